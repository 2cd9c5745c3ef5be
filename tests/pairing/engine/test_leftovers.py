"""Tests for bot.pairing.engine.leftovers: colleague trios, peer pairs and peer trios
among whoever the buddy matching left over."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing.engine import (
    NO_ALLOWED_PARTNER,
    NO_PLACE,
    ODD_ONE_OUT,
    History,
    Member,
    Rules,
    plan_round,
    violations,
)
from tests.pairing.engine.reference import OFFSETS, SEEDS


def test_a_colleague_who_would_be_alone_joins_a_pair() -> None:
    members = [Member("A1", "ally"), Member("C1", "colleague"), Member("C2", "colleague")]
    plan = plan_round(members, Rules(), History(), seed=0)
    assert len(plan.groups) == 1 and plan.sat_out == ()
    (group,) = plan.groups
    assert group.kind == "buddy" and sorted(group.members[1:]) == ["C1", "C2"]
    # ... unless a rule forbids it.
    rules = Rules(never_pairs=frozenset({frozenset(("C1", "C2"))}))
    plan = plan_round(members, rules, History(), seed=0)
    assert len(plan.groups) == 1 and len(plan.sat_out) == 1
    assert plan.sat_out[0].reason_code == NO_PLACE


@pytest.mark.parametrize(
    ("n_allies", "expected"), [(4, [3]), (6, [2, 3]), (7, [2, 2, 2]), (8, [2, 2, 3])]
)
def test_leftover_allies_form_peer_pairs_and_one_trio(n_allies: int, expected: list[int]) -> None:
    members = [Member(f"A{i}", "ally") for i in range(n_allies)] + [Member("C0", "colleague")]
    rules = Rules(peer_pairs=True)
    plan = plan_round(members, rules, History(), seed=3)
    assert sorted(len(g.members) for g in plan.groups if g.kind == "peer") == expected
    assert plan.sat_out == ()
    assert violations(plan, members, rules, History()) == []


def test_exactly_one_leftover_ally_sits_out_as_odd_one_out() -> None:
    members = [Member("A1", "ally"), Member("A2", "ally"), Member("C1", "colleague")]
    plan = plan_round(members, Rules(peer_pairs=True), History(), seed=0)
    assert [g.kind for g in plan.groups] == ["buddy"]
    assert [s.reason_code for s in plan.sat_out] == [ODD_ONE_OUT]


def test_peer_pairs_never_repeat_or_break_rules() -> None:
    allies = [Member(f"A{i}", "ally") for i in range(4)]
    recent = {frozenset(("A0", "A1")): 1, frozenset(("A2", "A3")): 2}
    rules = Rules(peer_pairs=True, never_pairs=frozenset({frozenset(("A0", "A2"))}))
    plan = plan_round(allies, rules, History(recent=recent), seed=0)
    assert {g.members for g in plan.groups} == {("A0", "A3"), ("A1", "A2")}


@pytest.mark.parametrize("n_allies", [12, 13, 40])
def test_many_leftover_allies_all_find_a_peer_when_nothing_forbids_it(n_allies: int) -> None:
    """Beyond a handful of leftovers the peer pairing is heuristic, not exhaustive."""
    members = [Member(f"A{i:02d}", "ally") for i in range(n_allies)]
    plan = plan_round(members, Rules(peer_pairs=True), History(), seed=5)
    assert plan.sat_out == ()
    sizes = sorted(len(g.members) for g in plan.groups)
    assert sizes == [2] * (n_allies // 2 - n_allies % 2) + [3] * (n_allies % 2)


@settings(max_examples=60, deadline=None)
@given(st.integers(11, 40), st.data())
def test_heuristic_peer_pairs_never_repeat_or_break_rules(
    n_allies: int, data: st.DataObject
) -> None:
    allies = [f"A{i:02d}" for i in range(n_allies)]
    pairs = [frozenset(p) for p in itertools.combinations(allies, 2)]
    members = [
        Member(
            a,
            "ally",
            data.draw(st.sampled_from(["eng", "ops", None])),
            data.draw(st.sampled_from(OFFSETS)),
        )
        for a in allies
    ]
    rules = Rules(
        peer_pairs=True,
        never_pairs=frozenset(data.draw(st.lists(st.sampled_from(pairs), max_size=30))),
    )
    history = History(
        recent={p: 1 for p in data.draw(st.lists(st.sampled_from(pairs), max_size=60))}
    )
    plan = plan_round(members, rules, history, data.draw(SEEDS))
    assert violations(plan, members, rules, history) == []
    assert {s.reason_code for s in plan.sat_out} <= {NO_ALLOWED_PARTNER, ODD_ONE_OUT}
