"""Anonymous feedback: rows that cannot be traced back to whoever wrote them.

No user id, no Slack ids in the text, no time beyond the ISO week, random primary
keys, nothing ordered by arrival. An open week's items wait in ``feedback_staging``;
when the week closes they are moved into ``feedback`` in a random order in one
transaction, and the week's quota rows and quota key are deleted. On SQLite the
tables are ``WITHOUT ROWID``, so no hidden insertion counter orders them either.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

NO_ROWID = {"sqlite_with_rowid": False}


class Feedback(Base):
    """An item of a closed week (moved here, shuffled, when its week closed)."""

    __tablename__ = "feedback"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random hex
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8), index=True)
    category: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    #: Keyed hash of the reply token in the author's DM; only when they opted in.
    reply_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class FeedbackStaging(Base):
    """An item of the open week, waiting for the week to close."""

    __tablename__ = "feedback_staging"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random hex
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    reply_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class FeedbackReply(Base):
    """A lead's reply to a feedback item, or the author's anonymous answer.

    An answer is shown to leads from ``day`` on (the next UTC day after it arrived),
    delivered in the daily batch, so its timing points at nobody.
    """

    __tablename__ = "feedback_reply"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random hex
    feedback_id: Mapped[str] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    from_lead: Mapped[bool] = mapped_column(default=True)
    week: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)  # order within the conversation
    body: Mapped[str] = mapped_column(Text)
    day: Mapped[str | None] = mapped_column(String(10))
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)


class FeedbackQuota(Base):
    """One row per (person, category) per open week, under a key that dies with the week.

    ``key`` is an HMAC under the week's random key and a key derived from the master
    secret; ``submission`` identifies the form submission that used it, so a double
    click is recognised. Every row of a week is deleted when the week closes.
    """

    __tablename__ = "feedback_quota"
    __table_args__ = NO_ROWID

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[str] = mapped_column(String(8))
    submission: Mapped[str] = mapped_column(String(64))


class ConcernContact(Base):
    """Someone an admin named to receive a programme's concerns."""

    __tablename__ = "concern_contact"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class PendingConcern(Base):
    """An anonymous concern waiting for the daily batch (no reporter, only the day)."""

    __tablename__ = "concern_pending"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random hex
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
