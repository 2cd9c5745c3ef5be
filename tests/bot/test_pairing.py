"""Property tests for the pure pairing engine."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing import History, Member, Rules, forbidden, plan_round


@st.composite
def programmes(draw):
    n_allies = draw(st.integers(0, 8))
    n_colls = draw(st.integers(0, 6))
    depts = ["eng", "ops", "sales", None]
    allies = [
        Member(f"A{i}", "ally", draw(st.sampled_from(depts)), draw(st.sampled_from([0, 60, -300])))
        for i in range(n_allies)
    ]
    colls = [
        Member(f"C{i}", "colleague", draw(st.sampled_from(depts)), draw(st.sampled_from([0, 330])))
        for i in range(n_colls)
    ]
    people = [m.user_id for m in allies + colls]
    pairs = [frozenset(p) for p in itertools.combinations(people, 2)]
    never = frozenset(draw(st.lists(st.sampled_from(pairs), max_size=4))) if pairs else frozenset()
    recent = (
        {p: draw(st.integers(1, 8)) for p in draw(st.lists(st.sampled_from(pairs), max_size=6))}
        if pairs
        else {}
    )
    rules = Rules(
        repeat_window=6,
        colleague_round_cap=draw(st.integers(1, 2)),
        peer_pairs=draw(st.booleans()),
        never_pairs=never,
    )
    sat_out = frozenset(draw(st.lists(st.sampled_from([a.user_id for a in allies] or ["x"]))))
    return allies + colls, rules, History(recent=recent, sat_out_last_round=sat_out)


@settings(max_examples=150, deadline=None)
@given(programmes(), st.integers(0, 2**31))
def test_plans_are_valid(programme, seed):
    members, rules, history = programme
    by_id = {m.user_id: m for m in members}
    plan = plan_round(members, rules, history, seed)
    seen: dict[str, int] = {}
    for group in plan.groups:
        roles = [by_id[u].role for u in group.members]
        if group.kind == "buddy":
            assert sorted(roles) == ["ally", "colleague"]
        else:
            assert set(roles) == {"ally"} and len(group.members) in (2, 3)
        for a, b in itertools.combinations(group.members, 2):
            assert not forbidden(by_id[a], by_id[b], rules, history)
        for u in group.members:
            seen[u] = seen.get(u, 0) + 1
    for user, count in seen.items():
        cap = rules.colleague_round_cap if by_id[user].role == "colleague" else 1
        assert count <= cap
    grouped_allies = {u for u in seen if by_id[u].role == "ally"}
    sat = {s.user_id for s in plan.sat_out}
    allies = {m.user_id for m in members if m.role == "ally"}
    assert grouped_allies | sat == allies and not grouped_allies & sat
    assert all(s.reason for s in plan.sat_out)


@settings(max_examples=60, deadline=None)
@given(programmes(), st.integers(0, 2**31))
def test_deterministic_and_order_independent(programme, seed):
    members, rules, history = programme
    a = plan_round(members, rules, history, seed)
    b = plan_round(list(reversed(members)), rules, history, seed)
    assert a == b


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31))
def test_no_repeats_when_a_fresh_partner_exists(n_allies, n_colls, seed):
    allies = [Member(f"A{i}", "ally") for i in range(n_allies)]
    colls = [Member(f"C{i}", "colleague") for i in range(n_colls)]
    # Last round paired A_i with C_i; everyone has others to meet when both sides >= 2.
    recent = {frozenset((f"A{i}", f"C{i}")): 1 for i in range(min(n_allies, n_colls))}
    plan = plan_round(allies + colls, Rules(), History(recent=recent), seed)
    if n_allies >= 2 and n_colls >= 2:
        assert plan.repeats == ()
    placed = sum(1 for g in plan.groups if g.kind == "buddy")
    assert placed == min(n_allies, n_colls)


def test_sit_outs_rotate_over_three_rounds():
    allies = [Member(f"A{i}", "ally") for i in range(10)]
    colls = [Member(f"C{i}", "colleague") for i in range(6)]
    recent: dict[frozenset[str], int] = {}
    sat_out: frozenset[str] = frozenset()
    seen_pairs: set[frozenset[str]] = set()
    for r in range(3):
        plan = plan_round(
            allies + colls, Rules(), History(recent=recent, sat_out_last_round=sat_out), r
        )
        pairs = {frozenset(g.members) for g in plan.groups}
        assert len(pairs) == 6 and not pairs & seen_pairs
        now_out = frozenset(s.user_id for s in plan.sat_out)
        assert not now_out & sat_out
        seen_pairs |= pairs
        recent = {p: a + 1 for p, a in recent.items()} | dict.fromkeys(pairs, 1)
        sat_out = now_out


def test_impossible_rules_still_give_a_plan_with_reasons():
    allies = [Member("A1", "ally", manager_id="C1"), Member("A2", "ally", never=frozenset({"C1"}))]
    plan = plan_round([*allies, Member("C1", "colleague")], Rules(), History(), 1)
    assert plan.groups == ()
    assert {s.reason_code for s in plan.sat_out} == {"no_allowed_partner"}


def test_always_pairs_are_honoured():
    allies = [Member(f"A{i}", "ally") for i in range(4)]
    colls = [Member(f"C{i}", "colleague") for i in range(4)]
    rules = Rules(always_pairs=frozenset({frozenset(("A3", "C0"))}))
    for seed in range(10):
        plan = plan_round(allies + colls, rules, History(), seed)
        assert ("A3", "C0") in {g.members for g in plan.groups}


def test_odd_leftover_allies_make_one_trio():
    allies = [Member(f"A{i}", "ally") for i in range(6)]
    plan = plan_round([*allies, Member("C0", "colleague")], Rules(peer_pairs=True), History(), 3)
    peers = sorted(len(g.members) for g in plan.groups if g.kind == "peer")
    assert peers == [2, 3] and plan.sat_out == ()
