"""Joining, pausing, resuming and leaving a programme.

Colleagues always opt in themselves: every function here acts on the person
who asked (``actor``), so nobody can enrol someone else as a colleague.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.core import outbox, parse
from bot.core.errors import UserError
from bot.core.registry import Departure
from bot.core.services import Actor, Services
from bot.core.text import plural
from bot.membership import accounts
from storage import members as store
from storage.models import Member

log = logging.getLogger(__name__)


def _changed(services: Services, session: Session, member: Member, now: datetime) -> None:
    """Tell the capabilities that schedule per member (prompts) that something moved."""
    for hook in services.registry.member_changed:
        hook(session, member, now)


def _departed(services: Services, session: Session, member: Member, reason: str) -> None:
    """Tell the capabilities that pair people (pairing) that this member stepped back."""
    departure = Departure(member.team_id, member.user_id, reason, services.clock.now())
    for hook in services.registry.member_departed:
        hook(session, departure)


MAX_PAUSE_WEEKS = 26
DEFAULT_PAUSE_WEEKS = 2


class Role(StrEnum):
    ALLY = "ally"
    COLLEAGUE = "colleague"


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


@dataclass(frozen=True)
class MemberView:
    """A plain snapshot of a membership for views (no ORM object leaks out)."""

    user_id: str
    role: Role
    status: Status
    paused_until: datetime | None
    tz: str
    joined_at: datetime


def _view(member: Member) -> MemberView:
    return MemberView(
        user_id=member.user_id,
        role=Role(member.role),
        status=Status(member.status),
        paused_until=member.paused_until,
        tz=member.tz,
        joined_at=member.joined_at,
    )


class MembershipError(UserError):
    """A membership request that cannot be carried out; the message is the reply."""


def get(services: Services, actor: Actor) -> MemberView | None:
    with services.db.read() as session:
        member = store.get_member(session, actor.team_id, actor.user_id)
        return _view(member) if member and member.status != Status.LEFT else None


def join(
    services: Services, actor: Actor, role: Role, programme_id: int | None = None
) -> tuple[MemberView, bool]:
    """Join as ``role``; returns the membership and whether it is new.

    Joining twice keeps one membership. Someone who left may rejoin (in any role).
    ``programme_id`` (an invitation from a linked channel) enrols in that programme
    instead of the default one, and enrols an existing member too; the flag then
    says whether they were new to it. Slack's account check comes first: bots,
    deactivated accounts and (unless the programme allows them) guests are refused
    with nothing changed. When Slack cannot be asked, the account is checked later
    by the scheduler (see :mod:`bot.membership.lifecycle`).
    """
    account = accounts.lookup(services, actor.user_id)
    now = services.clock.now()
    with services.db.transaction() as session:
        store.ensure_workspace(session, actor.team_id, now)
        target = programme_id or store.default_programme_id(session, actor.team_id)
        if account is not None:
            accounts.check_can_join(session, account, actor.team_id, target)
        member = store.get_member_for_update(session, actor.team_id, actor.user_id)
        if member is not None and member.status != Status.LEFT:
            added = programme_id is not None and store.enrol(session, target, member.id, now)
            return _view(member), added
        if member is None:
            member = store.add_member(
                session,
                Member(
                    team_id=actor.team_id,
                    user_id=actor.user_id,
                    role=role,
                    status=Status.ACTIVE,
                    tz="UTC",
                    tz_offset_seconds=0,
                    joined_at=now,
                ),
            )
        else:
            member.role, member.status, member.joined_at = role, Status.ACTIVE, now
            member.left_at = member.paused_until = None
        store.enrol(session, target, member.id, now)
        _changed(services, session, member, now)
        outbox.send_dm(
            session,
            team_id=actor.team_id,
            user_id=actor.user_id,
            text=_welcome_text(role),
            now=now,
            dedupe_key=f"welcome:{member.id}:{now.isoformat()}",
        )
        view = _view(member)
    if account is not None:
        apply_timezone(services, actor, account.tz, account.tz_offset)
    return view, True


def _welcome_text(role: Role) -> str:
    if role is Role.ALLY:
        return (
            "Welcome to Allyship Buddies. You'll be paired with a colleague for regular "
            "check-ins: your part is mostly to listen and to follow through. "
            "Type `/ally help` any time, or open my Home tab."
        )
    return (
        "Welcome to Allyship Buddies, and thank you for opting in. You'll be paired with an "
        "ally for regular check-ins. You share only what you choose to, and you can pause or "
        "leave whenever you like without giving a reason. "
        "Type `/ally help` any time, or open my Home tab."
    )


def pause(services: Services, actor: Actor, weeks: int) -> MemberView:
    if not 1 <= weeks <= MAX_PAUSE_WEEKS:
        raise MembershipError(
            f"You can pause for 1 to {MAX_PAUSE_WEEKS} weeks, so {plural(weeks, 'week')} won't "
            "work. Try `/ally pause 4 weeks`, or `/ally leave` to stop for longer."
        )
    now = services.clock.now()
    with services.db.transaction() as session:
        member = _require_member(session, actor)
        member.status = Status.PAUSED
        member.paused_until = now + timedelta(weeks=weeks)
        _departed(services, session, member, "paused")
        return _view(member)


def resume(services: Services, actor: Actor) -> tuple[MemberView, bool]:
    """Resume; the flag says whether anything changed."""
    with services.db.transaction() as session:
        member = _require_member(session, actor)
        if member.status == Status.ACTIVE:
            return _view(member), False
        member.status, member.paused_until = Status.ACTIVE, None
        _changed(services, session, member, services.clock.now())
        return _view(member), True


def leave(services: Services, actor: Actor) -> bool:
    """Leave the programme; False when the person was not a member."""
    now = services.clock.now()
    with services.db.transaction() as session:
        member = store.get_member_for_update(session, actor.team_id, actor.user_id)
        if member is None or member.status == Status.LEFT:
            return False
        member.status, member.left_at, member.paused_until = Status.LEFT, now, None
        _departed(services, session, member, "left")
        return True


def _require_member(session: Session, actor: Actor) -> Member:
    member = store.get_member_for_update(session, actor.team_id, actor.user_id)
    if member is None or member.status == Status.LEFT:
        raise MembershipError(
            "You're not in the programme yet. Join with `/ally join ally` or "
            "`/ally join colleague`."
        )
    return member


def resume_due(services: Services) -> int:
    """Bring back members whose pause has run out, and tell them (scheduler job)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        due = store.members_due_resume(session, now)
        for member in due:
            member.status, member.paused_until = Status.ACTIVE, None
            _changed(services, session, member, now)
            outbox.send_dm(
                session,
                team_id=member.team_id,
                user_id=member.user_id,
                text="Your pause is over and you're active in the programme again. "
                "Type `/ally pause` if you need more time.",
                now=now,
                dedupe_key=f"resumed:{member.id}:{now.date().isoformat()}",
            )
        return len(due)


def apply_timezone(services: Services, actor: Actor, tz: object, offset: object) -> bool:
    """Store a time zone reported by Slack (``users.info`` or a ``user_change`` event)."""
    try:
        tz = parse.time_zone(tz)
    except parse.InvalidInput:
        return False
    seconds = offset if isinstance(offset, int) and abs(offset) <= 14 * 3600 else 0
    now = services.clock.now()
    with services.db.transaction() as session:
        member = store.get_member_for_update(session, actor.team_id, actor.user_id)
        if member is None:
            return False
        member.tz, member.tz_offset_seconds, member.tz_refreshed_at = tz, seconds, now
        _changed(services, session, member, now)
    return True
