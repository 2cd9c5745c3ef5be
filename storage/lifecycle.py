"""Queries for Slack account changes: who to look at, what a departure undoes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import Member, OutboxMessage, ProgrammeMember


def members_by_user_ids(session: Session, team_id: str, user_ids: Sequence[str]) -> list[Member]:
    """The workspace's members among ``user_ids`` (one query per page of Slack's list)."""
    if not user_ids:
        return []
    stmt = select(Member).where(Member.team_id == team_id, Member.user_id.in_(list(user_ids)))
    return list(session.scalars(stmt).all())


def unenrol_all(session: Session, member_id: int) -> list[int]:
    """Take a member out of every programme; returns the programme ids they were in."""
    ids = list(
        session.scalars(
            select(ProgrammeMember.programme_id).where(ProgrammeMember.member_id == member_id)
        ).all()
    )
    session.execute(delete(ProgrammeMember).where(ProgrammeMember.member_id == member_id))
    return ids


def cancel_pending_for(session: Session, team_id: str, user_id: str) -> int:
    """Cancel every undelivered message addressed to (or shared with) one person.

    Cancelled rows keep no payload. Group messages go too: a group DM cannot be
    opened with a deactivated account in it.
    """
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.status == "pending",
            or_(
                OutboxMessage.recipients == user_id,
                OutboxMessage.recipients.like(f"{user_id},%"),
                OutboxMessage.recipients.like(f"%,{user_id}"),
                OutboxMessage.recipients.like(f"%,{user_id},%"),
            ),
        )
        .values(status="cancelled", payload={}, lease_owner=None, lease_until=None)
    )
    return rows_affected(session.execute(stmt))


def members_never_checked(session: Session, limit: int) -> list[tuple[str, str]]:
    """(team, user) of members whose Slack account was never read (no time zone yet)."""
    stmt = (
        select(Member.team_id, Member.user_id)
        .where(Member.tz_refreshed_at.is_(None), Member.status != "left")
        .limit(limit)
    )
    return [(t, u) for t, u in session.execute(stmt).all()]


def teams_with_members(session: Session) -> list[str]:
    stmt = select(Member.team_id).where(Member.status != "left").distinct()
    return list(session.scalars(stmt).all())
