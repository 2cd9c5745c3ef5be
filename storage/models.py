"""SQLAlchemy 2.0 typed models: the shape of everything allybot remembers.

Times are stored in UTC. SQLite has no time zones, so :class:`UTCDateTime`
stores naive UTC and always hands back aware UTC datetimes on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    """A Slack workspace (team) the bot serves."""

    __tablename__ = "workspace"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    """A person who joined the programme, as an ally or a colleague."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspace.team_id"))
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # ally | colleague
    status: Mapped[str] = mapped_column(String(16))  # active | paused | left
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    tz_offset_seconds: Mapped[int] = mapped_column(Integer, default=0)
    tz_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoleGrant(Base):
    """An elevated role (lead or admin) granted to a Slack user."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # lead | admin
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who attempted which privileged action, when, and what came of it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    team_id: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))  # ok | denied | invalid
    detail: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(Base):
    """A Slack event or interaction already handled, written with its effect."""

    __tablename__ = "processed_event"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RequestReplay(Base):
    """A slash command already carried out, known only by a hash of its signature.

    Slack never retries a slash command, so the same signed request twice is a
    replay. The row is written in the transaction of the command's effect and
    pruned once ``expires_at`` (the end of Slack's five-minute window) has passed;
    nothing else about the request is kept.
    """

    __tablename__ = "request_replay"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RateBudget(Base):
    """When a Slack method may next be called, shared by every instance.

    Each call reserves the next free slot (``next_at``), so N instances together
    stay inside one workspace's rate tier instead of each pacing on its own.
    """

    __tablename__ = "rate_budget"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message the bot owes someone, stored before it is sent.

    ``kind`` is ``dm`` (chat.postMessage to a user), ``group_dm``
    (conversations.open for several users, then chat.postMessage), ``file``
    (files_upload_v2 into a DM) or ``update`` (chat.update of an earlier message
    named by ``ref``). A message sent with a ``ref`` has its channel and ``ts``
    kept in :class:`MessageRef` so it can be updated later.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_ref", "ref"),
        Index("ix_outbox_hold", "hold"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[str] = mapped_column(String(255))  # comma-separated user ids
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(255))
    ref: Mapped[str | None] = mapped_column(String(64))
    #: The change that owes this message (a round being stored in chunks): while an
    #: :class:`OutboxHold` of that name exists, the message is not sent.
    hold: Mapped[str | None] = mapped_column(String(64))


class OutboxHold(Base):
    """A change still being stored: messages naming it (``OutboxMessage.hold``) wait.

    Released by deleting this one row, however many messages it holds.
    """

    __tablename__ = "outbox_hold"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MessageRef(Base):
    """Where a sent message lives (channel and ``ts``), so it can be updated later.

    Only this is kept once a message is sent: the outbox row drops its text, and
    nothing here says who the message was for or what it said.
    """

    __tablename__ = "message_ref"

    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SchedulerLease(Base):
    """A named lease so that, across instances, one runs each piece of work."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())


class Programme(Base):
    """A buddy programme: its rhythm, its pairing rules and its privacy threshold.

    Every workspace gets a ``default`` programme the first time it is seen.
    """

    __tablename__ = "programme"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspace.team_id"))
    name: Mapped[str] = mapped_column(String(64))
    cadence_weeks: Mapped[int] = mapped_column(Integer, default=2)  # 1, 2 or 4
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    local_time: Mapped[str] = mapped_column(String(5), default="10:00")  # HH:MM
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    repeat_window: Mapped[int] = mapped_column(Integer, default=6)
    colleague_round_cap: Mapped[int] = mapped_column(Integer, default=1)
    colleague_quarter_cap: Mapped[int | None] = mapped_column(Integer)
    peer_pairs: Mapped[bool] = mapped_column(default=False)
    checkin_delay_days: Mapped[int] = mapped_column(Integer, default=5)  # working days
    anonymity_threshold: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when the schedule (cadence, weekday, time, tz) last changed: the scheduler
    #: never runs a slot that fell before it, so a change never starts a round at once.
    schedule_from: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProgrammeMember(Base):
    """Which members take part in which programme."""

    __tablename__ = "programme_member"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProgrammeLead(Base):
    """A lead of one programme (receives its digest and summaries)."""

    __tablename__ = "programme_lead"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
