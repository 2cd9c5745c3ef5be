"""Queries for anonymous feedback and its quota (no query here touches a user id)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.feedback_models import Feedback, FeedbackQuota, FeedbackReply


def use_quota(session: Session, key: str, week: str, limit: int) -> bool:
    """Count one submission against ``key``; False (and nothing counted) over ``limit``."""
    row = session.get(FeedbackQuota, key, with_for_update=True)
    if row is None:
        session.add(FeedbackQuota(key=key, week=week, used=1))
        session.flush()
        return True
    if row.used >= limit:
        return False
    row.used += 1
    return True


def add(session: Session, row: Feedback) -> None:
    session.add(row)
    session.flush()


def counts(session: Session, programme_id: int, weeks: list[str]) -> list[tuple[str, str, int]]:
    stmt = (
        select(Feedback.week, Feedback.category, func.count())
        .where(Feedback.programme_id == programme_id, Feedback.week.in_(weeks))
        .group_by(Feedback.week, Feedback.category)
    )
    return [(w, c, int(n)) for w, c, n in session.execute(stmt).all()]


def texts(session: Session, programme_id: int, weeks: list[str], category: str) -> list[str]:
    """Bodies for a category and weeks, in random-id order (which says nothing of arrival)."""
    stmt = (
        select(Feedback.body)
        .where(
            Feedback.programme_id == programme_id,
            Feedback.week.in_(weeks),
            Feedback.category == category,
        )
        .order_by(Feedback.id)
    )
    return list(session.scalars(stmt).all())


def prune_quota(session: Session, keep_weeks: list[str]) -> int:
    """Drop quota counters of weeks that are over (they limit nothing any more)."""
    stmt = delete(FeedbackQuota).where(FeedbackQuota.week.not_in(keep_weeks))
    return rows_affected(session.execute(stmt))


def by_ref(session: Session, programme_ids: list[int], ref: str) -> Feedback | None:
    """A feedback item by the short reference leads see (a prefix of its random id)."""
    stmt = select(Feedback).where(
        Feedback.programme_id.in_(programme_ids), Feedback.id.like(f"{ref}%")
    )
    rows = session.scalars(stmt.limit(2)).all()
    return rows[0] if len(rows) == 1 else None


def by_token_hash(session: Session, token_hash: str) -> Feedback | None:
    return session.scalar(select(Feedback).where(Feedback.reply_token_hash == token_hash))


def replies(session: Session, feedback_id: str) -> list[FeedbackReply]:
    stmt = (
        select(FeedbackReply)
        .where(FeedbackReply.feedback_id == feedback_id)
        .order_by(FeedbackReply.position)
    )
    return list(session.scalars(stmt).all())


def add_reply(session: Session, row: FeedbackReply) -> None:
    session.add(row)
    session.flush()


def texts_with_ids(
    session: Session, programme_id: int, weeks: list[str], category: str
) -> list[tuple[str, str]]:
    stmt = (
        select(Feedback.id, Feedback.body)
        .where(
            Feedback.programme_id == programme_id,
            Feedback.week.in_(weeks),
            Feedback.category == category,
        )
        .order_by(Feedback.id)
    )
    return [(i, b) for i, b in session.execute(stmt).all()]
