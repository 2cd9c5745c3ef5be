"""Tests for bot.pairing.engine.report: every sit-out reason and note says what
actually happened."""

from __future__ import annotations

from hypothesis import assume, given, settings

from bot.pairing.engine import (
    NO_ALLOWED_PARTNER,
    ODD_ONE_OUT,
    History,
    Member,
    Rules,
    plan_round,
    violations,
)
from tests.pairing.engine.reference import SEEDS, Programme, hard_blocked, programmes, repeat_age


def test_no_allowed_partner_gives_a_best_effort_plan_with_reasons() -> None:
    members = [
        Member("A1", "ally", manager_id="C1"),
        Member("A2", "ally", never=frozenset({"C1"})),
        Member("A3", "ally"),
        Member("C1", "colleague"),
    ]
    rules = Rules(never_pairs=frozenset({frozenset(("A3", "C1"))}))
    plan = plan_round(members, rules, History(), seed=1)
    assert plan.groups == ()
    reasons = {s.user_id: (s.reason_code, s.reason) for s in plan.sat_out}
    assert reasons["A1"] == (NO_ALLOWED_PARTNER, "no allowed partner: manager line")
    assert reasons["A2"] == (NO_ALLOWED_PARTNER, "no allowed partner: never-rules")
    assert reasons["A3"] == (NO_ALLOWED_PARTNER, "no allowed partner: never-rules")
    assert reasons["C1"][0] == NO_ALLOWED_PARTNER
    assert "manager line" in reasons["C1"][1] and "never-rules" in reasons["C1"][1]
    assert violations(plan, members, rules, History()) == []


@settings(max_examples=100, deadline=None)
@given(programmes(max_allies=8, max_colleagues=2), SEEDS)
def test_peer_sit_outs_are_justified(programme: Programme, seed: int) -> None:
    members, rules, history = programme
    assume(rules.peer_pairs)
    plan = plan_round(members, rules, history, seed)
    by_id = {m.user_id: m for m in members}
    with_buddy = {g.members[0] for g in plan.groups if g.kind == "buddy"}
    leftover = [m.user_id for m in members if m.role == "ally" and m.user_id not in with_buddy]
    for s in plan.sat_out:
        if by_id[s.user_id].role != "ally":
            continue
        assert s.reason_code in (ODD_ONE_OUT, NO_ALLOWED_PARTNER)
        others = [u for u in leftover if u != s.user_id]
        if s.reason_code == NO_ALLOWED_PARTNER:
            assert all(
                hard_blocked(by_id[s.user_id], by_id[u], rules, history)
                or repeat_age(s.user_id, u, rules, history) is not None
                for u in others
            )
        if len(leftover) == 1:
            assert s.reason_code == ODD_ONE_OUT


def test_always_pair_notes_explain_what_was_not_honoured() -> None:
    members = [
        Member("A1", "ally", manager_id="C1"),
        Member("C1", "colleague"),
        Member("C2", "colleague"),
    ]
    rules = Rules(
        always_pairs=frozenset(
            {frozenset(("A1", "C1")), frozenset(("C1", "C2")), frozenset(("A1", "Z9"))}
        )
    )
    plan = plan_round(members, rules, History(), seed=0)
    text = "\n".join(plan.notes)
    assert "A1-C1: not honoured, a never, ended or manager rule forbids it" in text
    assert "C1-C2: not applicable, both are colleagues" in text
    assert "A1-Z9: skipped, Z9 is not an active member" in text


def test_notes_are_plain_words_with_counts_that_agree_and_no_solver_jargon() -> None:
    members = [Member("A1", "ally"), Member("C1", "colleague")]
    history = History(recent={frozenset(("A1", "C1")): 1}, sat_out_last_round=frozenset({"A1"}))
    plan = plan_round(members, Rules(), history, seed=0)
    text = "\n".join(plan.notes)
    assert text.startswith("1 buddy pair; nobody sits out.")
    assert "1 pair met recently: no round without repeats exists" in text
    assert "A1-C1 (1 round ago)" in text
    assert "1 of the 1 person who sat out last round has a buddy this round." in text
    for slip in ("(s)", "1 rounds", "1 buddy pairs", "1 repeats", "Solver", "allies x", " 0 "):
        assert slip not in text
    alone = plan_round([Member("A1", "ally"), Member("A2", "ally")], Rules(), History(), 0)
    assert alone.notes[0] == "No groups; 2 people sitting out."
    assert plan.method.startswith("Solver: exact assignment over 1 allies x 1 colleague places")
