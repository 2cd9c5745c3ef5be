"""What a person types and clicks about their own membership."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import parse
from bot.core.blocks import Reply, text_reply
from bot.core.services import Actor, Services
from bot.core.text import member_id
from bot.membership import hours, members
from bot.membership.members import Role
from bot.membership.views import membership_line, status_text


def join(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) != 1 or args[0].lower() not in ("ally", "colleague"):
        return text_reply(
            "Tell me how you'd like to join: `/ally join ally` or `/ally join colleague`."
        )
    member, new = members.join(services, actor, Role(args[0].lower()))
    if not new:
        return text_reply(f"You're already in {membership_line(member)}, so nothing changed.")
    return text_reply(
        f"Welcome aboard! {status_text(member)} I'll be in touch in a DM; "
        "`/ally pause` or `/ally leave` whenever you need."
    )


def status(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    """Role and status, working hours, and the person's member id (what ``ALLYBOT_ADMINS``
    takes)."""
    hours_line = hours.status_line(services, actor)
    return text_reply(
        " ".join(filter(None, [status_text(members.get(services, actor)), hours_line]))
        + f"\nYour Slack member id is {member_id(actor.user_id)}."
    )


def pause(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    weeks = members.DEFAULT_PAUSE_WEEKS
    if args:
        if not parse.is_number(args[0]) or (
            len(args) > 1 and args[1].lower() not in ("week", "weeks")
        ):
            return text_reply("Say how long, in weeks, like `/ally pause 3 weeks` (1 to 26 weeks).")
        # The rule (1 to 26 weeks) and its message belong to members.pause.
        weeks = parse.whole_number(args[0], what="The number of weeks")
    member = members.pause(services, actor, weeks)
    return text_reply(f"Paused. {status_text(member)} `/ally resume` brings you back early.")


def resume(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    member, changed = members.resume(services, actor)
    if not changed:
        return text_reply(f"You weren't paused: you're in {membership_line(member)}.")
    return text_reply("Welcome back! " + status_text(member))


def leave(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if members.leave(services, actor):
        return text_reply("You've left the programme. Thank you for taking part; rejoin any time.")
    return text_reply("You weren't in the programme, so there was nothing to leave.")
