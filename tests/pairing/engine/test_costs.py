"""Tests for bot.pairing.engine.costs: the hard rules, the caps, the soft cost in both
its forms, and the weights that stack the priority levels."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing.engine import Member, forbidden, pair_cost, place_counts, working_hours_overlap
from bot.pairing.engine.costs import lexicographic_weights, soft_cost
from tests.pairing.engine.reference import Programme, hard_blocked, places_of, programmes


@given(st.integers(-1439, 1439), st.integers(-1439, 1439))
def test_working_hours_overlap_is_symmetric_and_bounded(a: int, b: int) -> None:
    overlap = working_hours_overlap(a, b)
    assert overlap == working_hours_overlap(b, a)
    assert 0 <= overlap <= 540
    assert working_hours_overlap(a, a) == 540


def test_working_hours_overlap_examples() -> None:
    assert working_hours_overlap(0, 60) == 480
    assert working_hours_overlap(-480, 60) == 0  # San Francisco and Berlin: 9 hours apart
    assert working_hours_overlap(780, -660) == 540  # +13:00 and -11:00 are the same clock
    assert working_hours_overlap(0, 330) == 210


def test_pair_cost() -> None:
    a = Member("A", "ally", "eng", 0)
    assert pair_cost(a, Member("B", "colleague", "ops", 0)) == 0
    assert pair_cost(a, Member("B", "colleague", "eng", 0)) == 1
    assert pair_cost(a, Member("B", "colleague", None, 540)) == 1
    assert pair_cost(Member("A", "ally"), Member("B", "colleague")) == 0  # no departments


DEPARTMENTS = ["eng", "ops", None]


@given(
    st.sampled_from(DEPARTMENTS),
    st.sampled_from(DEPARTMENTS),
    st.integers(-1439, 1439),
    st.integers(-1439, 1439),
)
def test_soft_cost_agrees_with_pair_cost(
    dept_a: str | None, dept_b: str | None, off_a: int, off_b: int
) -> None:
    """The solvers price pairs with the array form; callers and the report with pair_cost."""
    code = {"eng": 0, "ops": 1, None: -1}
    got = soft_cost(
        np.array([code[dept_a]]), np.array([code[dept_b]]), np.array([off_a]), np.array([off_b])
    )
    want = pair_cost(Member("A", "ally", dept_a, off_a), Member("B", "colleague", dept_b, off_b))
    assert float(got[0]) == want


@settings(max_examples=100, deadline=None)
@given(programmes())
def test_forbidden_and_place_counts_match_the_reference(programme: Programme) -> None:
    members, rules, history = programme
    for a, b in itertools.combinations(members, 2):
        assert forbidden(a, b, rules, history) == hard_blocked(a, b, rules, history)
    assert all(forbidden(m, m, rules, history) for m in members)
    assert place_counts(members, rules, history) == {
        m.user_id: places_of(m, rules, history) for m in members if m.role == "colleague"
    }


def test_weights_are_exactly_lexicographic_only_while_float64_can_add_them() -> None:
    """Only exact weights let the report say "no repeat-free matching exists"."""
    assert lexicographic_weights(150, 2, 6).exact
    big = lexicographic_weights(1000, 2, 6)
    assert not big.exact
    assert big.fair < big.always < big.age < big.repeat < big.unmatched < 2**50
