"""Tests for bot.pairing.engine.checker: the independent checker catches each kind of
broken plan (the other tests rely on it to find them)."""

from __future__ import annotations

from bot.pairing.engine import (
    NO_PLACE,
    Group,
    History,
    Member,
    Repeat,
    RoundPlan,
    Rules,
    SitOut,
    violations,
)


def test_violations_catches_broken_plans() -> None:
    members = [
        Member("A1", "ally", never=frozenset({"C1"})),
        Member("A2", "ally"),
        Member("C1", "colleague"),
        Member("C2", "colleague"),
    ]
    rules = Rules()
    history = History(recent={frozenset(("A2", "C2")): 1})

    def plan(
        groups: list[Group],
        sat_out: list[SitOut] | tuple[()] = (),
        repeats: list[Repeat] | tuple[()] = (),
    ) -> RoundPlan:
        return RoundPlan(tuple(groups), tuple(sat_out), tuple(repeats), (), 0.0)

    everyone_out = [SitOut(u, NO_PLACE, "x") for u in ("A1", "A2", "C1", "C2")]
    assert violations(plan([], everyone_out), members, rules, history) == []
    bad = {
        "hard rule": plan([Group(("A1", "C1"), "buddy")], everyone_out[1:3][:1] + everyone_out[3:]),
        "not reported": plan([Group(("A2", "C2"), "buddy")], everyone_out[:1] + everyone_out[2:3]),
        "neither grouped": plan([]),
        "cap allows": plan(
            [Group(("A1", "C2"), "buddy"), Group(("A2", "C2"), "buddy")],
            [everyone_out[2]],
            [Repeat(("A2", "C2"), 1)],
        ),
        "peer pairs are off": plan([Group(("A1", "A2"), "peer")], everyone_out[2:]),
        "without a reason": plan([], [*everyone_out[:3], SitOut("C2", NO_PLACE, "")]),
        "one ally and one or two colleagues": plan(
            [Group(("C1", "C2"), "buddy")], everyone_out[:2]
        ),
    }
    for expected, broken in bad.items():
        problems = violations(broken, members, rules, history)
        assert any(expected in p for p in problems), (expected, problems)
