"""Channel-linked programmes end to end: link a channel, count and confirm before anyone
is invited, join and leave the channel by signed events, guests and people from other
organisations never invited; the Slack fake and the database watched."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import AllyBot
from bot.core import paging
from bot.core.clock import FrozenClock
from bot.sandbox.slackfake import Call, FakeUser, SlackFake
from storage.lifecycle_models import (
    ChannelInvitation,
    ProgrammeChannel,
    SlackSweep,
    WorkingHoursRow,
)
from storage.models import AuditEntry, Member, Programme, ProgrammeMember
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_directory import SlackDirectory
from tests.support.slack_requests import SlackSender

CHANNEL = "C0ALLIES1"
BOT = "U0ALLYBOT"


def programme_members(app: AllyBot, name: str) -> set[str]:
    with app.services.db.read() as s:
        stmt = (
            select(Member.user_id)
            .join(ProgrammeMember, ProgrammeMember.member_id == Member.id)
            .join(Programme, Programme.id == ProgrammeMember.programme_id)
            .where(Programme.name == name)
        )
        return set(s.scalars(stmt))


def invitations(app: AllyBot) -> dict[str, str]:
    with app.services.db.read() as s:
        return {i.user_id: i.status for i in s.scalars(select(ChannelInvitation))}


def dms(fake: SlackFake, user: str, needle: str) -> list[Call]:
    return [c for c in fake.messages_to(user) if needle in json.dumps(c.args)]


def invitation_dms(fake: SlackFake, user: str) -> list[Call]:
    return dms(fake, user, "channel_not_now")


def run_task(app: AllyBot, clock: FrozenClock, ticks: int = 30) -> None:
    task = app.services.registry.tasks["channel-invitations"]
    for _ in range(ticks):
        task.run(app.services)
        clock.advance(timedelta(seconds=1))


def joined(slack: SlackSender, user: str, channel: str = CHANNEL, event_id: str | None = None):
    event = {"type": "member_joined_channel", "user": user, "channel": channel}
    return slack.event({**event, "channel_type": "C", "team": slack.team_id}, event_id=event_id)


def left(slack: SlackSender, user: str, channel: str = CHANNEL):
    event = {"type": "member_left_channel", "user": user, "channel": channel}
    return slack.event({**event, "channel_type": "C", "team": slack.team_id})


def link(slack: SlackSender, name: str = "allies") -> str:
    slack.command(ADMIN, f"admin programme create {name} cadence=weekly")
    return slack.command(ADMIN, f"admin programme set {name} channel=<#{CHANNEL}|allies>").text


@pytest.fixture
def workspace(slack: SlackSender, directory: SlackDirectory) -> list[str]:
    """A channel with the bot, two people, an existing member, a guest, a bot, a
    deactivated account and someone from another organisation."""
    directory.add(FakeUser(id="U0GUEST01", tz="Europe/Paris"), guest="multi")
    directory.add(FakeUser(id="U0OTHERBOT", is_bot=True))
    directory.add(FakeUser(id="U0GONE001", deleted=True))
    directory.add(FakeUser(id="U0EXTERN1", tz="Asia/Tokyo"), team_id="T0OTHERORG")
    slack.command("U0ALLY09", "join ally")  # already a member (default programme)
    people = ["U0ALLY01", "U0COLL01", "U0ALLY09"]
    directory.set_channel(
        CHANNEL,
        [BOT, *people, "U0GUEST01", "U0OTHERBOT", "U0GONE001", "U0EXTERN1"],
    )
    return people


def test_linking_counts_first_and_invites_only_when_the_admin_confirms(
    app: AllyBot,
    slack: SlackSender,
    slack_fake: SlackFake,
    directory: SlackDirectory,
    clock: FrozenClock,
    workspace: list[str],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)  # 8 channel members: three pages
    reply = link(slack)
    assert "counting who's in" in reply and f"<#{CHANNEL}>" in reply
    run_task(app, clock, ticks=150)  # ~88 people in users.list: 30 pages, 3 s apart
    members = directory.calls("conversations.members")
    assert [c.status for c in members] == [200, 200, 200]
    for a, b in itertools.pairwise(members):
        assert b.at - a.at >= timedelta(seconds=0.6)  # Tier 4 pacing
    assert all(
        b.at - a.at >= timedelta(seconds=3)
        for a, b in itertools.pairwise(directory.calls("users.list"))
    )
    drain(app.dispatcher)
    # Nobody was invited yet; the channel got its one explanation (the bot is in it).
    for person in workspace:
        assert invitation_dms(slack_fake, person) == []
    explained = slack_fake.messages_to(CHANNEL)
    assert len(explained) == 1 and "About this channel" in json.dumps(explained[0].args)
    (count,) = dms(slack_fake, ADMIN, "channel_invite_confirm")
    text = json.dumps(count.args)
    assert "has 3 people who aren" in text, text
    for left_out in ("1 guest account", "1 bot", "1 deactivated account", "1 person from another"):
        assert left_out in text, text
    # Only an admin can confirm: a member's forged click invites nobody and is audited.
    slack.block_action("U0ALLY01", "channel_invite_confirm", "allies")
    drain(app.dispatcher)
    assert invitation_dms(slack_fake, "U0COLL01") == []
    with app.services.db.read() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.outcome == "denied")) is not None
    slack.block_action(ADMIN, "channel_invite_confirm", "allies")
    assert slack_fake.wait_for(lambda: set(invitations(app).values()) == {"pending"}, 10)
    again = slack.command(ADMIN, "admin invite allies confirm").text  # a second click
    assert "Nobody from" in again
    drain(app.dispatcher)
    assert set(invitations(app)) == set(workspace)
    for person in workspace:
        assert len(invitation_dms(slack_fake, person)) == 1
    for never in ("U0GUEST01", "U0OTHERBOT", "U0GONE001", "U0EXTERN1", BOT):
        assert invitation_dms(slack_fake, never) == []
    # The existing member is offered the programme in their own role.
    assert "channel_join_member" in json.dumps(invitation_dms(slack_fake, "U0ALLY09")[0].args)
    assert programme_members(app, "allies") == set()  # nobody enrolled without choosing
    assert slack_fake.refusals() == []


def test_joining_the_channel_invites_and_choosing_enrols_only_there(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, directory: SlackDirectory
):
    directory.set_channel(CHANNEL, [BOT])
    link(slack)
    assert joined(slack, "U0COLL03", event_id="EvJOIN1").status == 200
    assert slack_fake.wait_for(lambda: invitations(app) == {"U0COLL03": "pending"}, 10)
    joined(slack, "U0COLL03", event_id="EvJOIN1")  # Slack's retry: handled once
    drain(app.dispatcher)
    (invite,) = invitation_dms(slack_fake, "U0COLL03")
    invitation_id = invite.args["blocks"][1]["elements"][0]["value"]
    # Someone else clicking the button changes nothing.
    slack.block_action("U0COLL04", "channel_join_ally", invitation_id)
    assert slack.block_action("U0COLL03", "channel_join_colleague", invitation_id).status == 200
    assert slack_fake.wait_for(lambda: invitations(app) == {"U0COLL03": "joined"}, 10)
    assert programme_members(app, "allies") == {"U0COLL03"}
    assert programme_members(app, "default") == set()  # not signed up for anything else
    with app.services.db.read() as s:
        assert s.scalar(select(Member.role).where(Member.user_id == "U0COLL03")) == "colleague"
    # Joining again while in the programme sends nothing new.
    joined(slack, "U0COLL03", event_id="EvJOIN2")
    slack_fake.wait_for(lambda: False, 0.3)
    drain(app.dispatcher)
    assert len(invitation_dms(slack_fake, "U0COLL03")) == 1
    # Leaving takes them out of future rounds and tells them how to come back.
    assert left(slack, "U0COLL03").status == 200
    assert slack_fake.wait_for(lambda: programme_members(app, "allies") == set(), 10)
    drain(app.dispatcher)
    (note,) = dms(slack_fake, "U0COLL03", "You've left")
    assert "/ally programmes join allies" in note.args["text"]
    assert slack.command(ADMIN, "admin pair run allies").status == 200


def test_not_now_is_respected_and_nobody_else_can_answer(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, directory: SlackDirectory
):
    directory.set_channel(CHANNEL, [BOT])
    link(slack)
    joined(slack, "U0ALLY04")
    assert slack_fake.wait_for(lambda: invitations(app) == {"U0ALLY04": "pending"}, 10)
    drain(app.dispatcher)
    (invite,) = invitation_dms(slack_fake, "U0ALLY04")
    invitation_id = invite.args["blocks"][1]["elements"][0]["value"]
    slack.block_action("U0ALLY04", "channel_not_now", invitation_id)
    assert slack_fake.wait_for(lambda: invitations(app) == {"U0ALLY04": "declined"}, 10)
    left(slack, "U0ALLY04")
    joined(slack, "U0ALLY04")
    slack_fake.wait_for(lambda: False, 0.5)
    drain(app.dispatcher)
    assert len(invitation_dms(slack_fake, "U0ALLY04")) == 1
    assert programme_members(app, "allies") == set()
    for forged in ("999999", "x", "-1", invitation_id + "0"):
        slack.block_action("U0ALLY04", "channel_join_ally", forged)
    slack_fake.wait_for(lambda: False, 0.3)
    assert programme_members(app, "allies") == set()


def test_guests_and_people_from_other_organisations_are_never_invited(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, directory: SlackDirectory
):
    directory.add(FakeUser(id="U0GUEST02"), guest="single")
    directory.add(FakeUser(id="U0EXTERN2"), team_id="T0OTHERORG")
    directory.add(FakeUser(id="U0OTHERBOT", is_bot=True))
    directory.set_channel(CHANNEL, [BOT])
    link(slack)
    for user in ("U0GUEST02", "U0EXTERN2", "U0OTHERBOT"):
        joined(slack, user)
    slack_fake.wait_for(lambda: False, 0.5)
    drain(app.dispatcher)
    assert invitations(app) == {}
    reply = slack.command(ADMIN, "admin programme set allies guests=yes").text
    assert "guests: yes" in reply
    joined(slack, "U0GUEST02")
    assert slack_fake.wait_for(lambda: invitations(app) == {"U0GUEST02": "pending"}, 10)


def test_the_bot_joining_posts_the_explanation_once(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, directory: SlackDirectory
):
    directory.set_channel(CHANNEL, [], private=True)  # private, and we are not in it yet
    link(slack)
    app.services.registry.tasks["channel-invitations"].run(app.services)
    drain(app.dispatcher)
    (failed,) = dms(slack_fake, ADMIN, "couldn't see who's in")
    assert "invite me" in failed.args["text"]
    directory.set_channel(CHANNEL, [BOT, "U0ALLY01"], private=True)
    slack_fake.add_channel(CHANNEL)
    for event_id in ("EvBOT1", "EvBOT2"):  # added twice (or Slack retried): one post
        joined(slack, BOT, event_id=event_id)

    def posted() -> int:
        drain(app.dispatcher)
        return len(slack_fake.messages_to(CHANNEL))

    assert slack_fake.wait_for(lambda: posted() == 1, 10)
    slack_fake.wait_for(lambda: False, 0.5)
    assert posted() == 1
    # The bot's arrival restarted the count, which now succeeds.
    app.services.registry.tasks["channel-invitations"].run(app.services)
    assert directory.calls("conversations.members")[-1].status == 200


def test_link_settings_are_validated_and_exclusive(app: AllyBot, slack: SlackSender):
    link(slack)
    slack.command(ADMIN, "admin programme create other")
    for bad, says in [
        ("channel=#allies", "couldn't find that channel"),
        ("channel=<#C0ALLIES1|x><!channel>", "couldn't find that channel"),
        (f"channel=<#{CHANNEL}|allies>", "already linked to `allies`"),
        ("guests=maybe", "yes or no"),
    ]:
        reply = slack.command(ADMIN, f"admin programme set other {bad}").text
        assert says in reply and "Nothing was changed" in reply, reply
    assert "Channel: none" in slack.command(ADMIN, "admin programme list").text
    unlinked = slack.command(ADMIN, "admin programme set allies channel=none").text
    assert "Unlinked" in unlinked
    assert "Channel: none" in unlinked
    assert "isn't linked" in slack.command(ADMIN, "admin invite allies").text
    assert "only programme admins" in slack.command("U0ALLY01", "admin invite allies").text


def test_forgetting_someone_erases_their_invitations_and_hours(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, directory: SlackDirectory
):
    directory.set_channel(CHANNEL, [BOT])
    link(slack)
    joined(slack, "U0ALLY06")
    assert slack_fake.wait_for(lambda: invitations(app) == {"U0ALLY06": "pending"}, 10)
    slack.command("U0ALLY06", "join ally")
    assert "Saved" in slack.command("U0ALLY06", "hours 10:00-16:00").text
    slack.command("U0ALLY06", "forget")
    assert "deleted" in slack.command("U0ALLY06", "forget confirm").text.lower()
    with app.services.db.read() as s:
        assert s.scalar(select(ChannelInvitation)) is None
        assert s.scalar(select(WorkingHoursRow)) is None
        assert s.scalar(select(Member).where(Member.user_id == "U0ALLY06")) is None
    # An admin who forgets leaves no id on the link or the count they started.
    slack.command(ADMIN, "forget")
    slack.command(ADMIN, "forget confirm")
    with app.services.db.read() as s:
        assert s.scalar(select(ProgrammeChannel.linked_by)) is None
        assert set(s.scalars(select(SlackSweep.requested_by))) == {None}


def test_a_join_slack_could_not_check_is_held_and_invited_later(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, directory: SlackDirectory
):
    directory.set_channel(CHANNEL, [BOT])
    link(slack)
    slack_fake.set_error("users.info", "internal_error")  # a burst of joins, say
    joined(slack, "U0COLL07")
    joined(slack, "U0GUEST03")
    directory.add(FakeUser(id="U0GUEST03"), guest="multi")
    assert slack_fake.wait_for(lambda: len(invitations(app)) == 2, 10)
    assert set(invitations(app).values()) == {"checking"}
    task = app.services.registry.tasks["channel-invitations"]
    task.run(app.services)  # Slack still can't say: kept
    assert set(invitations(app).values()) == {"checking"}
    slack_fake.set_error("users.info", None)
    task.run(app.services)
    assert invitations(app) == {"U0COLL07": "pending"}  # the guest was dropped
    drain(app.dispatcher)
    assert len(invitation_dms(slack_fake, "U0COLL07")) == 1
    assert invitation_dms(slack_fake, "U0GUEST03") == []
