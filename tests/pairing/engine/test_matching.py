"""Tests for bot.pairing.engine.matching: which solver runs, and what it is given
before it runs (always-pairs pinned for the class solver)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing.engine import DENSE_CELLS, History, Member, Rules, plan_round, violations
from tests.pairing.engine.reference import OFFSETS, SEEDS, plan_matching


def test_auto_uses_the_exact_solver_up_to_dense_cells() -> None:
    colleagues = [Member(f"C{i:04d}", "colleague") for i in range(1000)]
    at_limit = [Member(f"A{i:04d}", "ally") for i in range(DENSE_CELLS // 1000)]
    plan = plan_round(at_limit + colleagues, Rules(), History(), 0)
    assert plan.method.startswith("Solver: exact assignment")
    over = [*at_limit, Member("A9999", "ally")]
    plan = plan_round(over + colleagues, Rules(), History(), 0)
    assert plan.method.startswith("Solver: class transport")


def test_too_many_classes_fall_back_to_exact_blocks() -> None:
    """A department each: 1,500 x 1,500 classes are too many for the transport."""
    rng = random.Random(9)
    members = [
        Member(f"U{i:05d}", "ally" if i % 2 else "colleague", f"d{i}", rng.choice(OFFSETS))
        for i in range(3000)
    ]
    plan = plan_round(members, Rules(), History(), 1, solver="classes")
    assert "too many distinct classes (3000)" in plan.method
    assert violations(plan, members, Rules(), History()) == []
    assert len(plan.groups) == 1500


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_class_solver_pins_feasible_always_pairs(
    n_allies: int, n_colls: int, data: st.DataObject
) -> None:
    """The transport sees classes, not pairs, so always-pairs are placed before it runs."""
    allies = [f"A{i}" for i in range(n_allies)]
    colls = [f"C{i}" for i in range(n_colls)]
    k = data.draw(st.integers(0, min(n_allies, n_colls)))
    chosen = list(
        zip(
            data.draw(st.permutations(allies))[:k],
            data.draw(st.permutations(colls))[:k],
            strict=True,
        )
    )
    rules = Rules(always_pairs=frozenset(frozenset(p) for p in chosen))
    history = History(recent={frozenset(p): 1 for p in chosen})
    members = [Member(a, "ally", data.draw(st.sampled_from(["eng", None]))) for a in allies] + [
        Member(c, "colleague", data.draw(st.sampled_from(["eng", None]))) for c in colls
    ]
    plan = plan_round(members, rules, history, data.draw(SEEDS), solver="classes")
    assert set(chosen) <= set(plan_matching(plan))
    assert plan.repeats == ()
