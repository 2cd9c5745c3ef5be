"""Models for reflection prompts: the workspace's library, each member's schedule,
what was sent, and the private journal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime


class PromptEntry(Base):
    """A prompt in a workspace's library (seeded from the shipped library)."""

    __tablename__ = "prompt"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    theme: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    content_note: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class PromptSchedule(Base):
    """A member's prompt rhythm; ``next_due_at`` makes each tick one indexed query."""

    __tablename__ = "prompt_schedule"
    __table_args__ = (Index("ix_prompt_schedule_due", "next_due_at"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=1)  # Tuesday
    local_time: Mapped[str] = mapped_column(String(5), default="10:00")
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PromptDelivery(Base):
    """One prompt sent to one member: the rotation's history and engagement counts.

    When a member is forgotten the row loses its member (SET NULL) but stays, so
    weekly counts already shown to leads do not change.
    """

    __tablename__ = "prompt_delivery"
    __table_args__ = (Index("ix_prompt_delivery_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    programme_id: Mapped[int | None] = mapped_column(Integer)
    prompt_id: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent|answered|skipped
    week: Mapped[str] = mapped_column(String(8))


class JournalEntry(Base):
    """A private answer to a prompt; only its author can ever read it.

    ``sealed`` is the prompt and the answer, AES-GCM encrypted under the member's
    data key with (workspace, member, entry id) as associated data: a database dump
    alone reveals no reflection, and forgetting the member's key shreds them all.
    """

    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    prompt_id: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
