"""Leads reply to feedback; the author reads and answers, and nobody can link them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.feedback.replies import deliver_answers
from bot.sandbox.slackfake import FakeUser, SlackFake
from storage.feedback_models import Feedback, FeedbackReply
from storage.models import OutboxMessage
from tests.conftest import ADMIN
from tests.journeys.test_feedback import submission
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender


def test_lead_reply_author_reads_and_answers(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack_fake.add_user(FakeUser(id="U0COLL40", tz="America/New_York"))  # the lead
    slack.command(ADMIN, "admin add-lead <@U0COLL40>")
    for i in range(5):
        slack.interaction(
            submission(
                f"U0COLL{i:02d}",
                slack.team_id,
                f"idea {i}",
                f"V{i}",
                category="idea",
                reply=i == 3,
            )
        )
    # Only the author who opted in got a DM with a private button; no outbox row holds it.
    assert slack_fake.messages_to("U0COLL02") == []
    dm = slack_fake.messages_to("U0COLL03")[-1]
    token = dm.args["blocks"][1]["elements"][0]["value"]
    with app.services.db.read() as s:
        assert all(token not in json.dumps(r.payload) for r in s.scalars(select(OutboxMessage)))
        assert all(token not in (f.reply_token_hash or "") for f in s.scalars(select(Feedback)))
    clock.advance(timedelta(weeks=1))
    summary = slack.command("U0COLL40", "summary 1").json()["text"]
    match = re.search(r"\[ref ([0-9a-f]{16})\] idea 3", summary)
    assert match, summary
    ref = match.group(1)
    assert "Reply saved" in slack.command("U0COLL40", f"reply {ref} Thanks, we'll try it").text
    assert "Usage" in slack.command("U0COLL40", f"reply {ref[:8]} hi").text  # exact refs only
    assert "only programme leads" in slack.command("U0ALLY01", f"reply {ref} hi").text
    slack.block_action("U0COLL03", "feedback_replies", token)
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) == 1, 10)
    thread = json.dumps(slack_fake.response_url_posts()[0].args)
    assert "we'll try it" in thread and "idea 3" in thread
    answer = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": "U0COLL03", "team_id": slack.team_id},
        "view": {
            "id": "V0ANS",
            "type": "modal",
            "hash": "h",
            "callback_id": "feedback_answer_modal",
            "private_metadata": token,
            "state": {
                "values": {"text": {"value": {"type": "plain_text_input", "value": "Thank you"}}}
            },
        },
    }
    assert slack.post_interaction_ok(answer)
    with app.services.db.read() as s:
        rows = [
            (r.from_lead, r.body)
            for r in s.scalars(select(FeedbackReply).order_by(FeedbackReply.position))
        ]
    assert rows == [(True, "Thanks, we'll try it"), (False, "Thank you")]
    # The author's answer reaches the leads in the next day's batch, not at once.
    assert deliver_answers(app.services) == 0
    clock.advance(timedelta(days=1))
    assert deliver_answers(app.services) >= 1
    drain(app.dispatcher)
    assert any("Thank you" in m.args["text"] for m in slack_fake.messages_to("U0COLL40"))
    # A guessed token reads nothing.
    slack.block_action("U0ALLY02", "feedback_replies", "guess")
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) == 2, 10)
    assert "can no longer be found" in json.dumps(slack_fake.response_url_posts()[1].args)
