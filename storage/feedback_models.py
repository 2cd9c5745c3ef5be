"""Anonymous feedback: rows that cannot be traced back to whoever wrote them.

No user id, no Slack ids in the text, no creation time beyond the ISO week, a random
primary key, nothing ordered by arrival. The weekly quota lives in its own table,
keyed by a keyed hash of (person, week) that shares nothing with feedback rows.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8), index=True)
    category: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    #: SHA-256 of the one-time token only the author's confirmation DM holds.
    reply_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class FeedbackReply(Base):
    """A lead's reply to a feedback item, or the author's anonymous answer."""

    __tablename__ = "feedback_reply"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID
    feedback_id: Mapped[str] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    from_lead: Mapped[bool] = mapped_column(default=True)
    week: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)  # order within the conversation
    body: Mapped[str] = mapped_column(Text)


class FeedbackQuota(Base):
    """Submissions per person per week, under an HMAC that only the bot can compute."""

    __tablename__ = "feedback_quota"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[str] = mapped_column(String(8))
    used: Mapped[int] = mapped_column(Integer, default=0)
