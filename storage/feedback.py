"""Queries for anonymous feedback and its quota (no query here touches a user id)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.feedback_models import Feedback, FeedbackQuota


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
    stmt = delete(FeedbackQuota).where(FeedbackQuota.week.not_in(keep_weeks))
    return session.execute(stmt).rowcount or 0
