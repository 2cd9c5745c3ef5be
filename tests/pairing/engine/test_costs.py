"""Tests for bot.pairing.engine.costs: the hard rules, the caps, the soft cost in both
its forms, and the weights that stack the priority levels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing.engine import (
    Member,
    forbidden,
    hours_overlap,
    pair_cost,
    place_counts,
    working_hours_overlap,
)
from bot.pairing.engine.costs import lexicographic_weights, soft_cost, window_code
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


def test_pair_cost_uses_personal_hours() -> None:
    """Same zone, but 13:00-21:00 against 09:00-18:00: 5 of the shorter 8 hours shared."""
    a = Member("A", "ally", None, 0)
    late = Member("B", "colleague", None, 0, work_minutes=(13 * 60, 21 * 60))
    assert hours_overlap(a, late) == 300
    assert pair_cost(a, late) == 1 - 300 / 480
    # Nine hours apart on the clock but both work evenings/mornings to meet: full overlap.
    berlin_early = Member("C", "ally", None, 60, work_minutes=(7 * 60, 12 * 60))
    sf_late = Member("D", "colleague", None, -480, work_minutes=(22 * 60, 24 * 60 - 15))
    assert hours_overlap(berlin_early, sf_late) == 105
    assert pair_cost(berlin_early, sf_late) == 0
    with pytest.raises(ValueError, match="working hours"):
        Member("E", "ally", work_minutes=(600, 600))


DEPARTMENTS = ["eng", "ops", None]
work = (
    st.tuples(st.integers(0, 1439), st.integers(1, 1440))
    .map(lambda t: (t[0], min(1440, t[0] + t[1])))
    .filter(lambda t: t[0] < t[1])
)


@given(st.integers(-1439, 1439), st.integers(-1439, 1439), work, work)
def test_hours_overlap_counts_shared_minutes_on_the_utc_day(
    off_a: int, off_b: int, work_a: tuple[int, int], work_b: tuple[int, int]
) -> None:
    a = Member("A", "ally", None, off_a, work_minutes=work_a)
    b = Member("B", "colleague", None, off_b, work_minutes=work_b)

    def at_work(minute: int, offset: int, hours: tuple[int, int]) -> bool:
        return hours[0] <= (minute + offset) % 1440 < hours[1]

    shared = sum(at_work(m, off_a, work_a) and at_work(m, off_b, work_b) for m in range(1440))
    assert hours_overlap(a, b) == shared == hours_overlap(b, a)
    shorter = min(work_a[1] - work_a[0], work_b[1] - work_b[0])
    assert pair_cost(a, b) == pytest.approx(1 - shared / shorter)


@given(st.integers(-1439, 1439), st.integers(-1439, 1439))
def test_default_hours_cost_what_the_offsets_alone_did(off_a: int, off_b: int) -> None:
    a, b = Member("A", "ally", None, off_a), Member("B", "colleague", None, off_b)
    assert hours_overlap(a, b) == working_hours_overlap(off_a, off_b)
    assert pair_cost(a, b) == 1 - working_hours_overlap(off_a, off_b) / 540


@given(
    st.sampled_from(DEPARTMENTS),
    st.sampled_from(DEPARTMENTS),
    st.integers(-1439, 1439),
    st.integers(-1439, 1439),
    work,
    work,
)
def test_soft_cost_agrees_with_pair_cost(
    dept_a: str | None,
    dept_b: str | None,
    off_a: int,
    off_b: int,
    work_a: tuple[int, int],
    work_b: tuple[int, int],
) -> None:
    """The solvers price pairs with the array form; callers and the report with pair_cost."""
    code = {"eng": 0, "ops": 1, None: -1}
    got = soft_cost(
        np.array([code[dept_a]]),
        np.array([code[dept_b]]),
        np.array([window_code(off_a, work_a)]),
        np.array([window_code(off_b, work_b)]),
    )
    want = pair_cost(
        Member("A", "ally", dept_a, off_a, work_minutes=work_a),
        Member("B", "colleague", dept_b, off_b, work_minutes=work_b),
    )
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


def test_a_round_pairs_people_whose_own_hours_overlap() -> None:
    """Two London allies (one works evenings) and two colleagues (London, New York):
    by offsets alone both matchings cost the same; personal hours decide."""
    from bot.pairing.engine import History, Rules, plan_round

    members = [
        Member("UEARLY", "ally", None, 0),
        Member("ULATE", "ally", None, 0, work_minutes=(14 * 60, 22 * 60)),
        Member("ULONDON", "colleague", None, 0),
        Member("UNEWYORK", "colleague", None, -300),
    ]
    for seed in range(5):
        plan = plan_round(members, Rules(), History(), seed)
        pairs = {frozenset(g.members) for g in plan.groups}
        assert pairs == {frozenset({"UEARLY", "ULONDON"}), frozenset({"ULATE", "UNEWYORK"})}
