"""Queries for anonymous feedback, its staging, quota and replies (no user id anywhere)."""

from __future__ import annotations

import random

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.feedback_models import (
    ConcernContact,
    Feedback,
    FeedbackQuota,
    FeedbackReply,
    FeedbackStaging,
    PendingConcern,
)
from storage.privacy_models import FeedbackWeekKey

# -- the open week ------------------------------------------------------------------


def quota(session: Session, key: str) -> FeedbackQuota | None:
    return session.get(FeedbackQuota, key, with_for_update=True)


def use_quota(session: Session, key: str, week: str, submission: str) -> None:
    session.add(FeedbackQuota(key=key, week=week, submission=submission))
    session.flush()


def stage(session: Session, row: FeedbackStaging) -> None:
    session.add(row)
    session.flush()


def weeks_to_close(session: Session, current_week: str) -> list[str]:
    """Weeks before ``current_week`` that still hold staging rows, quota rows or a key."""
    weeks: set[str] = set()
    for model in (FeedbackStaging, FeedbackQuota, FeedbackWeekKey):
        stmt = select(model.week).where(model.week < current_week).distinct()
        weeks.update(session.scalars(stmt).all())
    return sorted(weeks)


def close_week(session: Session, week: str, new_ids: list[str], rng: random.Random) -> int:
    """Move a week's staged items into ``feedback`` in a random order with fresh ids,
    then delete the staging rows, the week's quota rows and its key; one transaction."""
    staged = list(session.scalars(select(FeedbackStaging).where(FeedbackStaging.week == week)))
    rng.shuffle(staged)
    if staged:
        session.execute(
            insert(Feedback),
            [
                {
                    "id": new_id,
                    "programme_id": s.programme_id,
                    "week": s.week,
                    "category": s.category,
                    "rating": s.rating,
                    "body": s.body,
                    "reply_token_hash": s.reply_token_hash,
                }
                for new_id, s in zip(new_ids, staged, strict=False)
            ],
        )
    session.execute(delete(FeedbackStaging).where(FeedbackStaging.week == week))
    session.execute(delete(FeedbackQuota).where(FeedbackQuota.week == week))
    session.execute(delete(FeedbackWeekKey).where(FeedbackWeekKey.week == week))
    return len(staged)


def staged_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FeedbackStaging)) or 0


# -- closed weeks ---------------------------------------------------------------------


def counts(session: Session, programme_id: int, weeks: list[str]) -> list[tuple[str, str, int]]:
    stmt = (
        select(Feedback.week, Feedback.category, func.count())
        .where(Feedback.programme_id == programme_id, Feedback.week.in_(weeks))
        .group_by(Feedback.week, Feedback.category)
    )
    return [(w, c, int(n)) for w, c, n in session.execute(stmt).all()]


def sample_texts(
    session: Session, programme_id: int, weeks: list[str], category: str, limit: int, pivot: str
) -> list[tuple[str, str]]:
    """Up to ``limit`` (id, body) of a category in the given weeks: the items whose
    random ids follow ``pivot`` (a random id), wrapping around. Ids are drawn at
    random when a week closes, so this is a uniform sample, read without sorting the
    whole category."""
    if not weeks:
        return []
    base = select(Feedback.id, Feedback.body).where(
        Feedback.programme_id == programme_id,
        Feedback.week.in_(weeks),
        Feedback.category == category,
    )
    after = session.execute(base.where(Feedback.id >= pivot).order_by(Feedback.id).limit(limit))
    rows = [(i, b) for i, b in after.all()]
    if len(rows) < limit:
        before = base.where(Feedback.id < pivot).order_by(Feedback.id).limit(limit - len(rows))
        rows += [(i, b) for i, b in session.execute(before).all()]
    return rows


def by_id(session: Session, programme_ids: list[int], item_id: str) -> Feedback | None:
    """A released-week item by its exact id (the reference leads see)."""
    stmt = select(Feedback).where(Feedback.programme_id.in_(programme_ids), Feedback.id == item_id)
    return session.scalar(stmt)


def by_token_hash(session: Session, token_hash: str) -> Feedback | FeedbackStaging | None:
    """The item whose author holds the token: closed (``Feedback``) or still staged."""
    item = session.scalar(select(Feedback).where(Feedback.reply_token_hash == token_hash))
    if item is not None:
        return item
    return session.scalar(
        select(FeedbackStaging).where(FeedbackStaging.reply_token_hash == token_hash)
    )


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


def due_answers(session: Session, day: str) -> list[tuple[FeedbackReply, Feedback]]:
    """Authors' answers whose day has come and that leads have not been sent."""
    stmt = (
        select(FeedbackReply, Feedback)
        .join(Feedback, Feedback.id == FeedbackReply.feedback_id)
        .where(
            FeedbackReply.from_lead.is_(False),
            FeedbackReply.delivered.is_(False),
            FeedbackReply.day <= day,
        )
        .order_by(FeedbackReply.feedback_id, FeedbackReply.position)
    )
    return [(r, f) for r, f in session.execute(stmt).all()]


def mark_delivered(session: Session, reply_ids: list[str]) -> None:
    if reply_ids:
        session.execute(
            update(FeedbackReply).where(FeedbackReply.id.in_(reply_ids)).values(delivered=True)
        )


# -- concerns ---------------------------------------------------------------------------


def concern_contacts(session: Session, programme_id: int) -> list[str]:
    stmt = select(ConcernContact.user_id).where(ConcernContact.programme_id == programme_id)
    return sorted(session.scalars(stmt).all())


def set_concern_contacts(session: Session, programme_id: int, user_ids: list[str]) -> None:
    session.execute(delete(ConcernContact).where(ConcernContact.programme_id == programme_id))
    for user_id in sorted(set(user_ids)):
        session.add(ConcernContact(programme_id=programme_id, user_id=user_id))
    session.flush()


def queue_concern(session: Session, row: PendingConcern) -> None:
    session.add(row)
    session.flush()


def due_concerns(session: Session, day: str) -> list[PendingConcern]:
    """Anonymous concerns from days before ``day`` (the daily batch), in random-id order."""
    stmt = select(PendingConcern).where(PendingConcern.day < day).order_by(PendingConcern.id)
    return list(session.scalars(stmt).all())


def delete_concerns(session: Session, ids: list[str]) -> int:
    if not ids:
        return 0
    return rows_affected(session.execute(delete(PendingConcern).where(PendingConcern.id.in_(ids))))


def forget_contact(session: Session, team_programme_ids: list[int], user_id: str) -> int:
    stmt = delete(ConcernContact).where(
        ConcernContact.programme_id.in_(team_programme_ids), ConcernContact.user_id == user_id
    )
    return rows_affected(session.execute(stmt))
