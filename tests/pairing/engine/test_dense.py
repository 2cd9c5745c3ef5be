"""Tests for bot.pairing.engine.dense: the exact solver reaches the optimum of the
priority order, checked against exhaustive search and in scenarios."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing.engine import Group, History, Member, Repeat, Rules, plan_round
from tests.pairing.engine.reference import (
    SEEDS,
    Programme,
    best_key,
    matching_key,
    plan_matching,
    programmes,
)


@settings(max_examples=200, deadline=None)
@given(programmes(), SEEDS)
def test_matching_is_the_exact_optimum_of_the_priority_order(
    programme: Programme, seed: int
) -> None:
    """Most places filled; then no repeat if a repeat-free matching exists, else the
    fewest and oldest; then always-pairs; then last round's sit-outs and spreading
    allies over colleagues; then the soft cost. Checked against exhaustive search."""
    members, rules, history = programme
    plan = plan_round(members, rules, history, seed)
    by_id = {m.user_id: m for m in members}
    got = matching_key(plan_matching(plan), by_id, rules, history)
    best = best_key(members, rules, history)
    assert got[:5] == best[:5]
    assert got[5] == pytest.approx(best[5], abs=1e-9)


def test_impossible_repeat_free_round_picks_the_fewest_and_oldest_repeats() -> None:
    members = [Member(u, "ally") for u in ("A1", "A2")] + [
        Member(u, "colleague") for u in ("C1", "C2")
    ]
    # Every pair met recently; A1-C2 and A2-C1 longest ago.
    recent = {
        frozenset(("A1", "C1")): 1,
        frozenset(("A2", "C2")): 2,
        frozenset(("A1", "C2")): 4,
        frozenset(("A2", "C1")): 5,
    }
    history = History(recent=recent)
    plan = plan_round(members, Rules(), history, seed=0)
    assert plan.groups == (Group(("A1", "C2"), "buddy"), Group(("A2", "C1"), "buddy"))
    assert plan.repeats == (Repeat(("A1", "C2"), 4), Repeat(("A2", "C1"), 5))
    assert any("no round without repeats exists" in n and "A1-C2" in n for n in plan.notes)
    # One fresh option is enough to avoid a repeat for that pair.
    fresh = History(recent={k: v for k, v in recent.items() if k != frozenset(("A1", "C2"))})
    plan = plan_round(members, Rules(), fresh, seed=0)
    assert plan.repeats == (Repeat(("A2", "C1"), 5),)


def test_second_allies_only_after_every_colleague_has_one() -> None:
    members = [Member(f"A{i}", "ally") for i in range(3)] + [
        Member(f"C{i}", "colleague") for i in range(3)
    ]
    plan = plan_round(members, Rules(colleague_round_cap=2), History(), seed=2)
    assert sorted(g.members[1] for g in plan.groups) == ["C0", "C1", "C2"]


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.data())
def test_last_rounds_sit_outs_are_first_in_line(
    n_allies: int, n_colls: int, data: st.DataObject
) -> None:
    allies = [Member(f"A{i}", "ally") for i in range(n_allies)]
    colls = [Member(f"C{i}", "colleague") for i in range(n_colls)]
    first = frozenset(
        data.draw(st.lists(st.sampled_from([a.user_id for a in allies]), unique=True))
    )
    seed = data.draw(SEEDS)
    plan = plan_round(allies + colls, Rules(), History(sat_out_last_round=first), seed)
    with_buddy = {g.members[0] for g in plan.groups if g.kind == "buddy"}
    assert len(with_buddy) == min(n_allies, n_colls)
    if len(first) <= n_colls:
        assert first <= with_buddy
    else:
        assert with_buddy <= first


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_always_pairs_are_honoured_when_feasible(
    n_allies: int, n_colls: int, data: st.DataObject
) -> None:
    allies = [f"A{i}" for i in range(n_allies)]
    colls = [f"C{i}" for i in range(n_colls)]
    # A feasible set of always-pairs: a partial one-to-one ally-colleague map.
    k = data.draw(st.integers(0, min(n_allies, n_colls)))
    chosen = list(
        zip(
            data.draw(st.permutations(allies))[:k],
            data.draw(st.permutations(colls))[:k],
            strict=True,
        )
    )
    rules = Rules(always_pairs=frozenset(frozenset(p) for p in chosen))
    # They met last round too: always-pairs are meant to recur, so that is no repeat.
    history = History(recent={frozenset(p): 1 for p in chosen})
    members = [Member(a, "ally") for a in allies] + [Member(c, "colleague") for c in colls]
    plan = plan_round(members, rules, history, data.draw(SEEDS))
    assert set(chosen) <= set(plan_matching(plan))
    assert plan.repeats == ()
