"""A large round's plan and introductions are computed in another process, at a lower
CPU priority, with the same results as here."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time

import pytest

from bot.core.hours import DEFAULT_WORKING_HOURS, WorkingHours, member_zone
from bot.pairing import engine, intros, planner
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
    people = {
        "U00001": (member_zone("Europe/London"), DEFAULT_WORKING_HOURS),
        "U00002": (member_zone("Asia/Kolkata"), DEFAULT_WORKING_HOURS),
        "U00003": (member_zone("America/New_York"), DEFAULT_WORKING_HOURS),
        "U00004": (member_zone("Asia/Tokyo"), DEFAULT_WORKING_HOURS),
        "U00005": (member_zone("UTC"), WorkingHours(time(7), time(12))),
    }
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    local = intros.draft_intros(pairs, people, now, True)
    assert all(found.slots for _text, _blocks, found in local)  # times to suggest were found
    monkeypatch.setattr(intros, "intro_blocks", Sabotaged)
    with planner.Worker(planner.SEPARATE_PROCESS_FROM) as worker:
        assert worker.separate
        assert worker.draft_intros(pairs, people, now, True) == local
        assert worker._pool is not None
        theirs = worker._pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
    assert theirs == os.getpriority(os.PRIO_PROCESS, 0) + planner.NICENESS
    with planner.Worker(10) as small, pytest.raises(AssertionError, match="serving process"):
        small.draft_intros(pairs, people, now, True)
