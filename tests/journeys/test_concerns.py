"""A check-in concern reaches the programme's concern contacts (its leads by default),
anonymously in the next daily batch, or at once when the reporter shares their name."""

from __future__ import annotations

from datetime import timedelta

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.feedback.concerns import deliver_due
from bot.sandbox.slackfake import SlackFake
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender


def test_typed_concern_goes_to_leads_anonymously(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack.command(ADMIN, "admin programme lead default <@U0COLL31>")
    reply = slack.command("U0COLL05", "uncomfortable he kept <!channel> talking over me")
    assert "not a formal HR report" in reply.text and "<@U0COLL31>" in reply.text
    assert "daily batch" in reply.text
    drain(app.dispatcher)
    assert slack_fake.messages_to("U0COLL31") == []  # not at submission time
    clock.advance(timedelta(days=1))
    assert deliver_due(app.services) == 1
    drain(app.dispatcher)
    (note,) = slack_fake.messages_to("U0COLL31")
    text = note.args["text"]
    assert "talking over me" in text and "U0COLL05" not in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "HR" in text
    assert slack_fake.messages_to("U0COLL05") == []


def test_form_with_shared_name(app: AllyBot, slack: PayloadSender, slack_fake: SlackFake):
    slack.command(ADMIN, "admin programme lead default <@U0COLL32>")
    slack.block_action("U0COLL06", "checkin_uncomfortable", "1")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": "U0COLL06", "team_id": slack.team_id},
        "view": {
            "id": "V0UNC",
            "type": "modal",
            "hash": "h",
            "callback_id": "uncomfortable_modal",
            "private_metadata": "",
            "state": {
                "values": {
                    "text": {"value": {"type": "plain_text_input", "value": "awkward"}},
                    "share": {
                        "value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
                    },
                }
            },
        },
    }
    assert slack.interaction(payload).json()["response_action"] == "update"
    drain(app.dispatcher)
    (note,) = slack_fake.messages_to("U0COLL32")  # named: sent at once
    assert "<@U0COLL06>" in note.args["text"]
