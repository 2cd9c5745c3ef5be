"""What a member and an admin read about a round: kind words for the member (never a
hint of anyone's private never-list), plain notes with mentions for the admin."""

from __future__ import annotations

import pytest

from bot.pairing.engine import NO_ALLOWED_PARTNER, NO_PLACE, ODD_ONE_OUT, QUARTER_CAP
from bot.pairing.notices import sit_out_text
from bot.pairing.rounds import RoundOutcome, format_outcome


@pytest.mark.parametrize("code", [ODD_ONE_OUT, NO_PLACE, NO_ALLOWED_PARTNER, QUARTER_CAP, "new"])
@pytest.mark.parametrize("role", ["ally", "colleague"])
def test_every_sit_out_message_is_kind_and_reveals_no_rule(code: str, role: str) -> None:
    text = sit_out_text(code, role)
    assert text.startswith("*No pairing for you this round.*")
    for jargon in ("odd one out:", "never", "manager", "repeat window", code, "cap reached"):
        assert jargon not in text, jargon
    assert "next round" in text or "next quarter" in text
    if role == "colleague":
        assert "allies were left" not in text


def test_admin_outcome_reads_plainly_with_mentions_and_no_solver_jargon() -> None:
    outcome = RoundOutcome(
        round_id=1,
        created=True,
        groups=[{"U0ALLY01": "ally", "U0COLL01": "colleague"}],
        sat_out=[("U0ALLY02", "odd one out: <b> & co")],
        repeats=1,
        notes=[
            "1 buddy pair; 1 person sitting out.",
            "1 pair met recently: ...: U0ALLY01-U0COLL01 (1 round ago).",
            "Always-pair U0ALLY02-U0COLL09: skipped, U0COLL09 is not an active member.",
        ],
        paused=["U0ALLY03"],
    )
    text = format_outcome(outcome, preview=False)
    assert text.startswith("*Round created*: the introductions are on their way.")
    assert "<@U0ALLY01> and <@U0COLL01> (1 round ago)" in text
    assert "Always-pair <@U0ALLY02> and <@U0COLL09>: skipped, <@U0COLL09> is not" in text
    assert "<@U0ALLY02> sits out: odd one out: &lt;b&gt; &amp; co." in text
    assert "(1 person): <@U0ALLY03>" in text
    assert "Solver" not in text and "(s)" not in text
    many = RoundOutcome(1, True, [], [(f"U0ALLY{i:02d}", "x") for i in range(25)], 0, [], [])
    assert "…and 5 more people sitting out." in format_outcome(many, preview=True)
    assert "already exists" in format_outcome(
        RoundOutcome(1, False, [], [], 0, [], []), preview=False
    )
