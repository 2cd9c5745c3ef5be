"""Admins configure a programme from the App Home; nobody else can."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import AllyBot
from bot.programmes.form import FIELDS
from bot.sandbox.slackfake import SlackFake
from storage.lifecycle_models import ProgrammeChannel
from storage.models import AuditEntry, Programme
from tests.conftest import ADMIN
from tests.support.slack_requests import SlackSender


def submission(user: str, team: str, values: dict[str, str], channel: str | None = None) -> dict:
    state = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in values.items()}
    state["channel"] = {"value": {"type": "conversations_select", "selected_conversation": channel}}
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "view": {
            "id": "V0PROG",
            "type": "modal",
            "hash": "h",
            "callback_id": "programme_modal",
            "private_metadata": "default",
            "state": {"values": state},
        },
    }


def test_admin_opens_and_saves_the_programme_form(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake
):
    slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    assert "programme_configure" in json.dumps(slack_fake.calls("views.publish")[0].args)
    slack.block_action(ADMIN, "programme_configure", "default")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    view = slack_fake.calls("views.open")[0].args["view"]
    values = {
        b["block_id"]: b["element"]["initial_value"]
        for b in view["blocks"]
        if b["element"]["type"] == "plain_text_input"
    }
    assert set(values) == {k for k, _ in FIELDS} and values["cadence"] == "fortnightly"
    (channel,) = [b for b in view["blocks"] if b["block_id"] == "channel"]
    assert channel["element"]["type"] == "conversations_select" and channel["optional"]
    values.update({"cadence": "weekly", "weekday": "thursday", "threshold": "7"})
    assert slack.post_interaction_ok(submission(ADMIN, slack.team_id, values, "C0LINKED1"))
    with app.services.db.read() as s:
        p = s.scalar(select(Programme))
        assert (p.cadence_weeks, p.weekday, p.anonymity_threshold) == (1, 3, 7)
        assert s.scalar(select(ProgrammeChannel.channel_id)) == "C0LINKED1"
    # Opening the form again shows the linked channel.
    slack.block_action(ADMIN, "programme_configure", "default")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 2, 10)
    again = slack_fake.calls("views.open")[1].args["view"]["blocks"]
    assert again[-1]["element"]["initial_conversation"] == "C0LINKED1"
    bad = dict(values, time="25:99")
    reply = slack.interaction(submission(ADMIN, slack.team_id, bad))
    assert reply.json()["response_action"] == "errors"


def test_members_get_no_form_and_forged_saves_change_nothing(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake
):
    slack.command("U0ALLY01", "join ally")
    slack.block_action("U0ALLY01", "programme_configure", "default")
    forged = submission("U0ALLY01", slack.team_id, {"cadence": "weekly"})
    reply = slack.interaction(forged)
    assert reply.json()["response_action"] == "errors"
    assert slack_fake.count("views.open") == 0
    with app.services.db.read() as s:
        assert s.scalar(select(Programme.cadence_weeks)) == 2
        denied = s.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert "admin.programme" in denied and "admin.programme.form" in denied
