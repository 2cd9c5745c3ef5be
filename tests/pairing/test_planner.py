"""Large rounds are planned in another process, with the same plan as here."""

from __future__ import annotations

import pytest

from bot.pairing import engine, planner
from bot.pairing.engine import History, Member, Rules
from bot.pairing.engine import plan as engine_plan


def members(n: int) -> list[Member]:
    return [
        Member(f"U{i:05d}", "colleague" if i % 3 == 0 else "ally", department=f"D{i % 7}")
        for i in range(n)
    ]


class Sabotaged:
    """Stands in for the engine's input arrays in this process only."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("planned in the serving process")


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
