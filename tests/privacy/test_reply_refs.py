"""Attack 4: ``/ally reply`` as an oracle on unreleased items.

Before: ``by_ref`` matched ``LIKE ref%`` unescaped over every item, so "Reply saved"
versus "can't find" told a lead when new items arrived in an open week (``%`` or
``________`` matched anything). Now a reference is exactly 16 hex characters and
matches only items in released cells; every other answer is the same.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, text

from bot.app import AllyBot
from storage.feedback_models import FeedbackReply
from tests.conftest import ADMIN
from tests.journeys.test_feedback import submission
from tests.support.slack_requests import PayloadSender

LEAD = "U0ALLY20"
NOT_FOUND = "among released items"


def _send(slack: PayloadSender, n: int, category: str, prefix: str, first: int = 0) -> None:
    for i in range(first, first + n):
        slack.interaction(
            submission(
                f"U0COLL{i:02d}", slack.team_id, f"{prefix} {i}", f"V{prefix}{i}", category=category
            )
        )


def test_wildcards_and_prefixes_are_refused_before_any_lookup(app: AllyBot, slack: PayloadSender):
    slack.command(ADMIN, f"admin add-lead <@{LEAD}>")
    _send(slack, 2, "idea", "open")  # unreleased items exist
    for ref in ("%", "_" * 16, "%" * 16, "0%", "abc", "ABCDEF0123456789x", "' OR 1=1 --"):
        reply = slack.command(LEAD, f"reply {ref} hello").text
        assert "Usage" in reply, ref
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(FeedbackReply)) == 0


def test_unreleased_items_answer_exactly_like_missing_ones(
    app: AllyBot, slack: PayloadSender, clock
):
    slack.command(ADMIN, f"admin add-lead <@{LEAD}>")
    _send(slack, 2, "concern", "small")  # below the threshold: never released
    _send(slack, 5, "idea", "big", first=10)
    with app.services.db.read() as s:
        staged = list(s.scalars(text("SELECT id FROM feedback_staging")))
    # In the open week: a staged id is "not found", like a random one.
    answers = {slack.command(LEAD, f"reply {ref} hi").text for ref in [*staged, "0" * 16]}
    assert len(answers) == 1 and NOT_FOUND in answers.pop()
    clock.advance(timedelta(weeks=1))
    summary = slack.command(LEAD, "summary 1").json()["text"]
    refs = re.findall(r"\[ref ([0-9a-f]{16})\]", summary)
    assert len(refs) == 5
    with app.services.db.read() as s:
        small = list(s.scalars(text("SELECT id FROM feedback WHERE category = 'concern'")))
    assert len(small) == 2
    hidden = {slack.command(LEAD, f"reply {ref} hi").text for ref in [*small, "f" * 16]}
    assert len(hidden) == 1 and NOT_FOUND in hidden.pop()
    assert "Reply saved" in slack.command(LEAD, f"reply {refs[0]} thank you").text
