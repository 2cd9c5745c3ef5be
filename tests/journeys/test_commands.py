"""/ally end to end: signed HTTP into the app, replies and database checked."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.sandbox.slackfake import SlackFake
from storage.models import AuditEntry, Member, RoleGrant
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender

HOSTILE = "<!channel> <!everyone> <!here> <@U0ALLY01> <https://evil.example|click> & *bold*"


def count(app: AllyBot, model: type, *where: object) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_join_twice_keeps_one_membership(app: AllyBot, slack: PayloadSender, slack_fake: SlackFake):
    first = slack.command("U0ALLY01", "join ally")
    assert first.status == 200
    assert first.json()["response_type"] == "ephemeral"
    assert "Welcome aboard" in first.text
    second = slack.command("U0ALLY01", "join colleague")
    assert "already in" in second.text
    assert count(app, Member) == 1
    with app.services.db.read() as s:
        member = s.scalar(select(Member))
        assert member is not None
        assert (member.role, member.status, member.tz) == ("ally", "active", "Europe/London")
    # The welcome DM goes through the outbox: stored, then delivered once.
    assert drain(app.dispatcher) == 1
    assert drain(app.dispatcher) == 0
    dms = slack_fake.messages_to("U0ALLY01")
    assert len(dms) == 1 and "Welcome" in dms[0].args["text"]


def test_pause_resume_leave_and_status(app: AllyBot, slack: PayloadSender):
    assert "not in the programme" in slack.command("U0COLL01", "status").text
    slack.command("U0COLL01", "join colleague")
    assert "*colleague*" in slack.command("U0COLL01", "status").text
    paused = slack.command("U0COLL01", "pause 3 weeks")
    assert "Paused" in paused.text and "paused" in paused.text
    assert "1 to 26 weeks" in slack.command("U0COLL01", "pause 99").text
    assert "Welcome back" in slack.command("U0COLL01", "resume").text
    assert "weren't paused" in slack.command("U0COLL01", "resume").text
    assert "left the programme" in slack.command("U0COLL01", "leave").text
    assert count(app, Member, Member.status == "left") == 1
    assert "nothing to leave" in slack.command("U0COLL01", "leave").text


def test_unknown_subcommand_suggests_closest(slack: PayloadSender):
    reply = slack.command("U0ALLY02", "jion ally")
    assert reply.status == 200
    assert "Did you mean `/ally join`?" in reply.text
    assert "/ally help" in slack.command("U0ALLY02", "").text


def test_admin_typos_point_to_admin_help(slack: PayloadSender):
    typo = slack.command(ADMIN, "admin frobnicate").json()["text"]
    assert "I don't know `/ally admin frobnicate`." in typo
    assert "`/ally admin help`" in typo and "`/ally help`" not in typo
    close = slack.command(ADMIN, "admin promts list").json()["text"]
    assert "Did you mean `/ally admin prompts`?" in close
    listing = slack.command(ADMIN, "admin help").json()["text"]
    assert "`/ally admin prompts list" in listing and "for programme admins" in listing


def test_member_admin_command_is_refused_and_audited(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY03", "join ally")
    reply = slack.command("U0ALLY03", "admin add-admin <@U0ALLY03|me>")
    assert "only programme admins" in reply.text
    assert "Nothing was changed" in reply.text
    assert count(app, RoleGrant) == 0
    with app.services.db.read() as s:
        entry = s.scalar(select(AuditEntry))
        assert entry is not None
        assert (entry.actor, entry.action, entry.outcome) == (
            "U0ALLY03",
            "admin.add-admin",
            "denied",
        )


def test_admin_grants_roles_with_escaped_mentions(app: AllyBot, slack: PayloadSender):
    reply = slack.command(ADMIN, "admin add-lead <@U0COLL05|casey>")
    assert "is now a programme lead" in reply.text
    assert "already" in slack.command(ADMIN, "admin add-lead U0COLL05").text
    listing = slack.command(ADMIN, "admin list")
    assert "<@U0COLL05>" in listing.text and "lead" in listing.text
    assert "Usage" in slack.command(ADMIN, "admin add-lead not-a-user").text
    assert "no longer" in slack.command(ADMIN, "admin remove-lead <@U0COLL05>").text
    assert count(app, RoleGrant) == 0
    with app.services.db.read() as s:
        outcomes = list(s.scalars(select(AuditEntry.outcome).order_by(AuditEntry.id)))
    assert outcomes == ["ok", "ok", "ok", "invalid", "ok"]


def test_every_admin_action_denied_for_member(app: AllyBot, slack: PayloadSender):
    actions = app.services.registry.admin_actions
    assert len(actions) >= 10
    for name in actions:
        reply = slack.command("U0ALLY04", f"admin {name} <@U0ALLY05>")
        assert "only programme" in reply.text, name
    assert count(app, RoleGrant) == 0
    assert count(app, AuditEntry, AuditEntry.outcome == "denied") == len(actions)


def test_hostile_text_is_escaped_in_replies(slack: PayloadSender, slack_fake: SlackFake):
    reply = slack.command("U0ALLY06", HOSTILE)
    raw = reply.body
    for token in ("<!channel>", "<!everyone>", "<!here>", "<@U0ALLY01>", "<https://evil"):
        assert token not in raw and token not in json.loads(raw)["text"]
    assert "&lt;!channel&gt;" in json.loads(raw)["text"]
    reply = slack.command("U0ALLY06", "admin " + HOSTILE)
    assert "<!channel>" not in reply.body
    assert "<!channel>" not in slack_fake.payloads_text()


def test_overlong_command_text_is_handled(slack: PayloadSender):
    reply = slack.command("U0ALLY07", "join " + "x" * 100_000)
    assert reply.status == 200
    assert "Tell me how you'd like to join" in reply.text


def test_a_pause_ends_on_the_members_own_calendar_day(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    slack.command("U0COLL02", "join colleague")  # America/New_York
    clock.advance(timedelta(hours=17))  # 02:00 UTC Tuesday 3 March: still Monday in New York
    reply = slack.command("U0COLL02", "pause 1 week").json()["text"]
    assert "until Monday 9 March 2026" in reply  # UTC would say Tuesday 10 March
    too_long = slack.command("U0COLL02", "pause 99 weeks").json()["text"]
    assert "1 to 26 weeks, so 99 weeks won't work" in too_long
    assert "until Monday 9 March 2026" in slack.command("U0COLL02", "status").json()["text"]
