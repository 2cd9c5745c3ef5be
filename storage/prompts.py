"""Queries for the prompt library, schedules, deliveries and journals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import Member
from storage.prompt_models import JournalEntry, PromptDelivery, PromptEntry, PromptSchedule


def library(session: Session, team_id: str) -> Sequence[PromptEntry]:
    stmt = select(PromptEntry).where(PromptEntry.team_id == team_id)
    return session.scalars(stmt.order_by(PromptEntry.theme, PromptEntry.position)).all()


def library_size(session: Session, team_id: str) -> int:
    stmt = select(func.count()).select_from(PromptEntry).where(PromptEntry.team_id == team_id)
    return session.scalar(stmt) or 0


def prompt_entry(session: Session, team_id: str, prompt_id: str) -> PromptEntry | None:
    return session.get(PromptEntry, (team_id, prompt_id))


def put_prompt(session: Session, entry: PromptEntry) -> None:
    session.merge(entry)


def schedule(session: Session, member_id: int) -> PromptSchedule | None:
    return session.get(PromptSchedule, member_id)


def add_schedule(session: Session, row: PromptSchedule) -> PromptSchedule:
    session.add(row)
    session.flush()
    return row


def due(session: Session, now: datetime, limit: int) -> list[tuple[Member, PromptSchedule]]:
    """Active members whose next prompt is due, oldest first (one indexed range scan)."""
    stmt = (
        select(Member, PromptSchedule)
        .join(PromptSchedule, PromptSchedule.member_id == Member.id)
        .where(PromptSchedule.next_due_at <= now, Member.status == "active")
        .order_by(PromptSchedule.next_due_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=PromptSchedule, skip_locked=True)
    return [(m, s) for m, s in session.execute(stmt).all()]


def sent_history(session: Session, member_id: int, limit: int = 500) -> list[str]:
    """Prompt ids sent to the member, oldest first (the most recent ``limit``)."""
    stmt = (
        select(PromptDelivery.prompt_id)
        .where(PromptDelivery.member_id == member_id)
        .order_by(PromptDelivery.id.desc())
        .limit(limit)
    )
    return list(reversed(session.scalars(stmt).all()))


def add_delivery(session: Session, row: PromptDelivery) -> PromptDelivery:
    session.add(row)
    session.flush()
    return row


def delivery(session: Session, delivery_id: int) -> PromptDelivery | None:
    return session.get(PromptDelivery, delivery_id)


def add_journal(session: Session, row: JournalEntry) -> None:
    session.add(row)
    session.flush()


def journal(session: Session, member_id: int, offset: int, limit: int) -> Sequence[JournalEntry]:
    stmt = (
        select(JournalEntry)
        .where(JournalEntry.member_id == member_id)
        .order_by(JournalEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def journal_count(session: Session, member_id: int) -> int:
    stmt = select(func.count()).select_from(JournalEntry).where(JournalEntry.member_id == member_id)
    return session.scalar(stmt) or 0


def delivery_cells(
    session: Session, programme_id: int, start: datetime, end: datetime
) -> list[tuple[str, str, int]]:
    """(week, status, count) of prompts sent in [start, end) to a programme's members."""
    stmt = (
        select(PromptDelivery.week, PromptDelivery.status, func.count())
        .where(
            PromptDelivery.programme_id == programme_id,
            PromptDelivery.sent_at >= start,
            PromptDelivery.sent_at < end,
        )
        .group_by(PromptDelivery.week, PromptDelivery.status)
    )
    return [(w, s, int(n)) for w, s, n in session.execute(stmt).all()]


def forget_member(session: Session, member_id: int) -> int:
    """Delete a member's journal and schedule; keep delivery counts, unlinked."""
    n = rows_affected(
        session.execute(delete(JournalEntry).where(JournalEntry.member_id == member_id))
    )
    n += rows_affected(
        session.execute(delete(PromptSchedule).where(PromptSchedule.member_id == member_id))
    )
    return n or 0
