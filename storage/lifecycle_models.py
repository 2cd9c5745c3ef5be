"""Models for programmes that follow Slack: personal working hours, channel-linked
programmes and their invitations, and the paged sweeps through Slack's member lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime


class WorkingHoursRow(Base):
    """A member's own working hours (local wall clock, in their Slack time zone).

    No row means the default, 09:00-18:00 Monday to Friday. ``days`` is a bit
    mask with Monday as bit 0, so one integer says which days are working days.
    """

    __tablename__ = "working_hours"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[str] = mapped_column(String(5))  # HH:MM
    end: Mapped[str] = mapped_column(String(5))  # HH:MM, exclusive
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProgrammeChannel(Base):
    """How a programme meets Slack: its linked channel and whether guests may join.

    One row per programme that has either setting; a channel is linked to at most
    one programme of a workspace. ``explained_at`` is when the explanation was
    owed to the channel, so it is posted once per link.
    """

    __tablename__ = "programme_channel"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    guests: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_by: Mapped[str | None] = mapped_column(String(32))
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelInvitation(Base):
    """An invitation into a channel-linked programme, for one person.

    ``status``: ``proposed`` (found in the channel when it was linked; waiting for
    the admin to confirm), ``checking`` (joined while Slack couldn't show their
    account; checked on a later tick), ``pending`` (DM sent, no answer yet), ``joined``,
    ``declined`` ("Not now") or ``withdrawn`` (left the channel, or the link
    changed). ``checked`` marks proposed people Slack's member list vouched for.
    """

    __tablename__ = "channel_invitation"
    __table_args__ = (
        UniqueConstraint("programme_id", "user_id"),
        Index("ix_channel_invitation_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SlackSweep(Base):
    """A paged walk through one of Slack's lists, one page per scheduler tick.

    ``kind`` ``users`` is the daily reconciliation (``users.list``); ``channel``
    seeds a linked channel's invitations (``conversations.members``, then
    ``users.list`` to leave out bots, guests, deactivated accounts and people
    from other organisations). The cursor and ``next_call_at`` live here so a
    sweep paces itself to Slack's tier and resumes after a restart.
    """

    __tablename__ = "slack_sweep"
    __table_args__ = (Index("ix_slack_sweep_due", "stage", "next_call_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # users | channel
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16))  # members|users|counted|done|failed|cancelled
    cursor: Mapped[str | None] = mapped_column(String(512))
    next_call_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
