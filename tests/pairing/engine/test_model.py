"""Tests for bot.pairing.engine.model: inputs the engine cannot plan with are refused
up front, and what it can is normalised so later stages can rely on it."""

from __future__ import annotations

import pytest

from bot.pairing.engine import History, Member, Rules, plan_round


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        plan_round([Member("A", "ally"), Member("A", "colleague")], Rules(), History(), 0)
    with pytest.raises(ValueError, match="two different people"):
        Rules(never_pairs=frozenset({frozenset({"A"})}))
    with pytest.raises(ValueError, match="role"):
        Member("A", "boss")  # type: ignore[arg-type]  # an unknown role on purpose
    with pytest.raises(ValueError, match="rounds ago"):
        plan_round([Member("A", "ally")], Rules(), History(recent={frozenset(("A", "B")): 0}), 0)
    with pytest.raises(ValueError, match="two different people"):
        plan_round([Member("A", "ally")], Rules(), History(ended=frozenset({frozenset({"A"})})), 0)


def test_out_of_range_rules_and_members_are_rejected() -> None:
    with pytest.raises(ValueError, match="repeat_window"):
        Rules(repeat_window=-1)
    with pytest.raises(ValueError, match="colleague_round_cap"):
        Rules(colleague_round_cap=0)
    with pytest.raises(ValueError, match="colleague_quarter_cap"):
        Rules(colleague_quarter_cap=-1)
    with pytest.raises(ValueError, match="user id"):
        Member("", "ally")
    with pytest.raises(ValueError, match="UTC offset"):
        Member("A", "ally", utc_offset_minutes=24 * 60)


def test_inputs_are_normalised_to_frozensets() -> None:
    """Callers may pass plain sets and tuples; the engine compares frozensets."""
    member = Member("A", "ally", never={"B"})  # type: ignore[arg-type]  # a plain set on purpose
    assert member.never == frozenset({"B"}) and isinstance(member.never, frozenset)
    rules = Rules(never_pairs=[("A", "B")])  # type: ignore[arg-type]  # a list of tuples on purpose
    assert rules.never_pairs == frozenset({frozenset({"A", "B"})})
