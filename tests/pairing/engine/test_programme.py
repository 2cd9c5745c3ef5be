"""Tests for bot.pairing.engine.programme: the array view of the input and its pair
look-ups, which every later stage trusts."""

from __future__ import annotations

import numpy as np

from bot.pairing.engine import QUARTER_CAP, History, Member, Rules, plan_round
from bot.pairing.engine.programme import ProgrammeArrays, blocked_text


def test_quarter_cap_and_round_cap() -> None:
    members = [Member(f"A{i}", "ally") for i in range(5)] + [
        Member("C1", "colleague"),
        Member("C2", "colleague"),
    ]
    rules = Rules(colleague_round_cap=2, colleague_quarter_cap=3)
    history = History(quarter_counts={"C1": 3, "C2": 2})
    plan = plan_round(members, rules, history, seed=4)
    assert [g.members[1] for g in plan.groups] == ["C2"]  # C2 has one place left this quarter
    out = {s.user_id: s for s in plan.sat_out}
    assert out["C1"].reason_code == QUARTER_CAP and "3 of 3" in out["C1"].reason
    plan = plan_round(members, rules, History(), seed=4)
    counts = [g.members[1] for g in plan.groups]
    assert sorted(counts) == ["C1", "C1", "C2", "C2"]


def test_pair_look_ups_are_symmetric_and_ignore_absent_members() -> None:
    members = [
        Member("C2", "colleague"),
        Member("A1", "ally", manager_id="C1"),
        Member("A2", "ally", never=frozenset({"Z9"})),  # Z9 is not a member
        Member("C1", "colleague"),
    ]
    rules = Rules(
        repeat_window=3,
        never_pairs=frozenset({frozenset(("A2", "C2"))}),
        always_pairs=frozenset({frozenset(("A2", "C1"))}),
    )
    history = History(
        recent={
            frozenset(("A1", "C2")): 2,
            frozenset(("A2", "C1")): 1,  # an always-pair: never a repeat
            frozenset(("A1", "A2")): 4,  # outside the window
        },
        ended=frozenset({frozenset(("A1", "A2"))}),
    )
    prog = ProgrammeArrays(members, rules, history)
    assert prog.ids == ["A1", "A2", "C1", "C2"]
    a1, a2, c1, c2 = (prog.index[u] for u in prog.ids)
    x = np.array([a1, c1, a2, a1, a2, a1])
    y = np.array([c1, a1, c2, a2, c1, c2])
    assert [blocked_text(int(k)) if k else "" for k in prog.block(x, y)] == [
        "manager line",
        "manager line",
        "never-rules",
        "ended pairs",
        "",
        "",
    ]
    assert prog.age(x, y).tolist() == [0, 0, 0, 0, 0, 2]
    assert prog.fresh(x, y).tolist() == [False, False, False, False, True, False]
    assert prog.block(np.array([a1]), np.array([a1]))[0]  # nobody is paired with themself
    assert prog.places.tolist() == [0, 0, 1, 1]
