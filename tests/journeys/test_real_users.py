"""Roles and pairing rules only for people Slack knows: unknown, deactivated and bot
accounts are refused with a clear reply, and ``users.info`` is asked once per person."""

from __future__ import annotations

import pytest

from bot.app import AllyBot
from bot.sandbox.slackfake import FakeUser, SlackFake
from tests.conftest import ADMIN
from tests.support.dbdump import dump
from tests.support.slack_requests import PayloadSender

REFUSED = {
    "U0NOPE": "doesn't know",
    "W0ENTERPRISE": "doesn't know",
    "U0GONE": "deactivated",
    "U0ROBOT": "is a bot",
}


@pytest.fixture
def odd_users(slack_fake: SlackFake) -> None:
    slack_fake.add_user(FakeUser(id="U0GONE", deleted=True))
    slack_fake.add_user(FakeUser(id="U0ROBOT", is_bot=True))


@pytest.mark.parametrize(
    "template",
    [
        "admin add-lead {u}",
        "admin add-admin <@{u}>",
        "never <@{u}>",
        "admin rule never <@{u}> <@U0ALLY02>",
        "admin rule always <@U0ALLY02> {u}",
        "admin programme lead default <@{u}>",
    ],
)
@pytest.mark.slack_refusals_expected  # users.info on people Slack does not know, on purpose
def test_unknown_deactivated_and_bot_users_are_refused(
    app: AllyBot, slack: PayloadSender, odd_users: None, template: str
):
    slack.command(ADMIN, "join ally")
    before = dump(app.services.db)
    for user, why in REFUSED.items():
        reply = slack.command(ADMIN, template.format(u=user))
        assert reply.status == 200
        assert why in reply.text, (template, user, reply.text[:200])
    assert dump(app.services.db) == before


def test_real_people_are_accepted_and_asked_about_once(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    slack.command(ADMIN, "join ally")
    slack_fake.clear_calls()
    assert "is now a programme lead" in slack.command(ADMIN, "admin add-lead <@U0COLL05>").text
    assert "already" in slack.command(ADMIN, "admin add-lead U0COLL05").text
    assert "Done" in slack.command(ADMIN, "never <@U0COLL05>").text
    asked = [c for c in slack_fake.calls("users.info") if c.args.get("user") == "U0COLL05"]
    assert len(asked) == 1


def test_slack_being_down_refuses_without_changing_anything(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    before = dump(app.services.db)
    slack_fake.fail_next("users.info", count=10, status=503)
    reply = slack.command(ADMIN, "admin add-lead <@U0COLL06>")
    assert reply.status == 200 and "couldn't check" in reply.text
    assert dump(app.services.db) == before
    slack_fake.clear_failures()
    assert "is now a programme lead" in slack.command(ADMIN, "admin add-lead <@U0COLL06>").text
