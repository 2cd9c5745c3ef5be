"""A large round's plan and introductions are computed in another process, at a lower
CPU priority, with the same results as here."""

from __future__ import annotations

import os

import pytest

from bot.pairing import engine, planner, views
from bot.pairing.engine import History, Member, Rules
from bot.pairing.engine import plan as engine_plan


def members(n: int) -> list[Member]:
    return [
        Member(f"U{i:05d}", "colleague" if i % 3 == 0 else "ally", department=f"D{i % 7}")
        for i in range(n)
    ]


class Sabotaged:
    """Stands in for the engine's input arrays (or a view) in this process only."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("computed in the serving process")


def test_a_large_round_is_planned_in_a_fresh_process_and_matches_the_local_plan(
    monkeypatch: pytest.MonkeyPatch,
):
    people = members(60)
    rules = Rules(peer_pairs=True)
    history = History(recent={frozenset(("U00001", "U00000")): 1})
    local = engine.plan_round(people, rules, history, 7)
    monkeypatch.setattr(planner, "SEPARATE_PROCESS_FROM", 50)
    # The engine is broken here; only an interpreter of its own can still plan.
    monkeypatch.setattr(engine_plan, "ProgrammeArrays", Sabotaged)
    with pytest.raises(AssertionError, match="serving process"):
        planner.plan(people[:40], rules, history, 7)  # below the threshold: planned here
    assert planner.plan(people, rules, history, 7) == local


def test_its_introductions_are_rendered_there_too_and_it_yields_the_cpu(
    monkeypatch: pytest.MonkeyPatch,
):
    pairs = [
        (101, {"U00001": "ally", "U00003": "colleague"}),
        (102, {"U00002": "ally", "U00004": "ally", "U00005": "ally"}),
    ]
    local = views.intro_payloads(pairs)
    monkeypatch.setattr(views, "intro_blocks", Sabotaged)
    with planner.Worker(planner.SEPARATE_PROCESS_FROM) as worker:
        assert worker.separate
        assert worker.intro_payloads(pairs) == local
        assert worker._pool is not None
        theirs = worker._pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
    assert theirs == os.getpriority(os.PRIO_PROCESS, 0) + planner.NICENESS
    with planner.Worker(10) as small, pytest.raises(AssertionError, match="serving process"):
        small.intro_payloads(pairs)
