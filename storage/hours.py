"""Queries for members' own working hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.lifecycle_models import WorkingHoursRow
from storage.models import Member


def get(session: Session, member_id: int) -> WorkingHoursRow | None:
    return session.get(WorkingHoursRow, member_id)


def put(
    session: Session, member_id: int, start: str, end: str, days: int, now: datetime
) -> WorkingHoursRow:
    """Set a member's hours (insert or replace) in the caller's transaction."""
    row = session.get(WorkingHoursRow, member_id)
    if row is None:
        row = WorkingHoursRow(member_id=member_id, start=start, end=end, days=days, updated_at=now)
        session.add(row)
    else:
        row.start, row.end, row.days, row.updated_at = start, end, days, now
    session.flush()
    return row


def clear(session: Session, member_id: int) -> bool:
    """Back to the default hours; False when the member had none of their own."""
    stmt = delete(WorkingHoursRow).where(WorkingHoursRow.member_id == member_id)
    return bool(rows_affected(session.execute(stmt)))


def for_members(session: Session, member_ids: Sequence[int]) -> dict[int, WorkingHoursRow]:
    """Hours of many members at once (those with none of their own are absent)."""
    if not member_ids:
        return {}
    stmt = select(WorkingHoursRow).where(WorkingHoursRow.member_id.in_(list(member_ids)))
    return {row.member_id: row for row in session.scalars(stmt).all()}


def members_with_hours(
    session: Session, team_id: str, user_ids: Sequence[str]
) -> list[tuple[Member, WorkingHoursRow | None]]:
    """Members of a workspace by user id, each with their hours row if they set one."""
    if not user_ids:
        return []
    stmt = (
        select(Member, WorkingHoursRow)
        .outerjoin(WorkingHoursRow, WorkingHoursRow.member_id == Member.id)
        .where(Member.team_id == team_id, Member.user_id.in_(list(user_ids)))
    )
    return [(m, h) for m, h in session.execute(stmt).all()]
