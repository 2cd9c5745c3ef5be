"""What Slack says about a person's account, and who may join a programme because of it.

Slack's user object (``users.info``, ``users.list``, a ``user_change`` event) says
whether an account is deactivated (``deleted``), a guest (``is_restricted`` for
multi-channel, ``is_ultra_restricted`` for single-channel guests), a bot, or from
another organisation (a ``team_id`` that is not ours, in a Slack Connect
channel). Those facts, read once into an :class:`Account`, decide who may join:
bots and deactivated accounts never, guests only where a programme says
``guests=yes``. Nobody else is ever asked to vouch for anyone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.gateway import PermanentError, SlackError
from bot.core.services import Services
from bot.core.text import escape
from storage import channels as channels_store

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,31}")
MAX_OFFSET = 14 * 3600


class JoinRefused(UserError):
    """This account may not join that programme; the message says why. Nothing changed."""


@dataclass(frozen=True)
class Account:
    """A Slack account as allybot needs it (values Slack sent, type-checked)."""

    user_id: str
    team_id: str | None
    deleted: bool = False
    bot: bool = False
    guest: bool = False
    tz: str | None = None
    tz_offset: int | None = None

    def external(self, team_id: str) -> bool:
        """From another organisation (a Slack Connect channel): never invited."""
        return self.team_id is not None and self.team_id != team_id


def from_slack(user: object) -> Account | None:
    """Read Slack's user object; None when it is not one (a malformed event)."""
    if not isinstance(user, Mapping):
        return None
    user_id = user.get("id")
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        return None
    team = user.get("team_id")
    tz = user.get("tz")
    offset = user.get("tz_offset")
    return Account(
        user_id=user_id,
        team_id=team if isinstance(team, str) and _TEAM_ID.fullmatch(team) else None,
        deleted=user.get("deleted") is True,
        bot=user.get("is_bot") is True or user_id == "USLACKBOT",
        guest=user.get("is_restricted") is True or user.get("is_ultra_restricted") is True,
        tz=tz if isinstance(tz, str) and 0 < len(tz) <= 64 else None,
        tz_offset=offset
        if isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) <= MAX_OFFSET
        else None,
    )


def lookup(services: Services, user_id: str) -> Account | None:
    """``users.info`` for one person; None when Slack could not say (callers carry on).

    ``user_not_found`` is an answer, not a failure: no such account here, so it is
    treated like a deactivated one and never joins or is invited.
    """
    try:
        answer = services.gateway.call("users.info", {"user": user_id})
    except PermanentError as exc:
        if exc.error == "user_not_found":
            return Account(user_id=user_id, team_id=None, deleted=True)
        log.warning("could not read a Slack account: %s", exc)
        return None
    except SlackError as exc:
        log.warning("could not read a Slack account: %s", exc)
        return None
    return from_slack(answer.get("user"))


def bot_user_id(services: Services) -> str | None:
    """Our own bot user's id (``auth.test``), to recognise the bot joining a channel."""
    try:
        answer = services.gateway.call("auth.test", {})
    except SlackError as exc:
        log.warning("auth.test failed: %s", exc)
        return None
    found = answer.get("user_id")
    return found if isinstance(found, str) else None


GUEST_REFUSAL = (
    "Guest accounts can't join *{name}*: it's open to full members of the workspace only. "
    "If you think you should be included, ask a programme admin; they can open it to guests."
)


def check_can_join(session: Session, account: Account, team_id: str, programme_id: int) -> None:
    """Raise :class:`JoinRefused` when this account may not join the programme."""
    if account.bot:
        raise JoinRefused("Bots can't join the programme.")
    if account.deleted or account.external(team_id):
        raise JoinRefused("Only active members of this workspace can join the programme.")
    if account.guest and not channels_store.guests_allowed(session, programme_id):
        name = channels_store.programme_name(session, programme_id)
        raise JoinRefused(GUEST_REFUSAL.format(name=escape(name)))
