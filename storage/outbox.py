"""Outbox rows: stored with the change that owes them, claimed under a lease, marked sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import MessageRef, OutboxHold, OutboxMessage


def enqueue(
    session: Session,
    *,
    team_id: str,
    kind: str,
    recipients: Sequence[str],
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    ref: str | None = None,
) -> OutboxMessage | None:
    """Add a row in the caller's transaction; None when ``dedupe_key`` already exists.

    ``ref`` names the message: once sent, its channel and ts are kept under that
    name (:func:`remember_message`) so an ``update`` row can change it later.
    """
    if dedupe_key is not None:
        existing = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
    row = OutboxMessage(
        team_id=team_id,
        dedupe_key=dedupe_key,
        kind=kind,
        recipients=",".join(recipients),
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=not_before or now,
        created_at=now,
        ref=ref,
    )
    session.add(row)
    session.flush()
    return row


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add many new rows at once (one statement): ``rows`` hold :func:`enqueue`'s
    fields, and a ``hold`` (see :func:`hold`). Their dedupe keys must be new; a clash
    raises, rolling the caller back."""
    if rows:
        session.execute(insert(OutboxMessage), [_row(**r) for r in rows])


def _row(
    *,
    team_id: str,
    kind: str,
    recipients: Sequence[str],
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    ref: str | None = None,
    hold: str | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "dedupe_key": dedupe_key,
        "kind": kind,
        "recipients": ",".join(recipients),
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
        "ref": ref,
        "hold": hold,
    }


def hold(session: Session, name: str, now: datetime) -> None:
    """Hold every message that names ``name`` until :func:`release` (idempotent)."""
    if session.get(OutboxHold, name) is None:
        session.add(OutboxHold(name=name, created_at=now))
        session.flush()


def release(session: Session, name: str) -> bool:
    """Let the messages held under ``name`` go (one row deleted, none rewritten)."""
    stmt = delete(OutboxHold).where(OutboxHold.name == name)
    return bool(rows_affected(session.execute(stmt)))


def _not_held() -> Any:
    """Rows whose hold, if any, has been released."""
    held = select(OutboxHold.name).where(OutboxHold.name == OutboxMessage.hold).exists()
    return or_(OutboxMessage.hold.is_(None), ~held)


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are already on an outbox row (owed before, sent or not)."""
    if not keys:
        return set()
    found = session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(keys)))
    )
    return {key for key in found if key is not None}


def claim_due(
    session: Session, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Lease up to ``limit`` due rows to ``owner``.

    A row is claimable when it is pending, due, and not under a live lease
    (a dead worker's lease simply expires). On PostgreSQL ``SKIP LOCKED`` lets
    several instances claim disjoint batches without waiting on each other.
    """
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            _not_held(),
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt).all())
    for row in rows:
        row.lease_owner = owner
        row.lease_until = now + lease
    session.flush()
    return rows


def renew_leases(session: Session, owner: str, until: datetime) -> int:
    """Heartbeat: extend every lease ``owner`` still holds (it is alive and working)."""
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.lease_owner == owner, OutboxMessage.status == "pending")
        .values(lease_until=until)
    )
    return rows_affected(session.execute(stmt))


def _owned(row_id: int, owner: str) -> Any:
    return (OutboxMessage.id == row_id) & (OutboxMessage.lease_owner == owner)


def mark_sent(
    session: Session,
    row_id: int,
    owner: str,
    now: datetime,
    channel_id: str | None,
    message_ts: str | None,
) -> bool:
    stmt = (
        update(OutboxMessage)
        .where(_owned(row_id, owner), OutboxMessage.status == "pending")
        .values(
            status="sent",
            payload={},  # delivered: keep no copy of what was said
            sent_at=now,
            channel_id=channel_id,
            message_ts=message_ts,
            lease_owner=None,
            lease_until=None,
            attempts=OutboxMessage.attempts + 1,
        )
    )
    return bool(rows_affected(session.execute(stmt)))


def remember_message(
    session: Session, ref: str, team_id: str, channel_id: str, message_ts: str, now: datetime
) -> None:
    """Keep where the message named ``ref`` was posted (a re-send replaces it)."""
    row = session.get(MessageRef, ref)
    if row is None:
        session.add(
            MessageRef(
                ref=ref, team_id=team_id, channel_id=channel_id, message_ts=message_ts, sent_at=now
            )
        )
    else:
        row.channel_id, row.message_ts, row.sent_at = channel_id, message_ts, now
    session.flush()


def message_ref(session: Session, ref: str) -> MessageRef | None:
    return session.get(MessageRef, ref)


def pending_with_ref(session: Session, ref: str) -> OutboxMessage | None:
    """The message named ``ref`` when it is still waiting to be sent."""
    return session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.ref == ref,
            OutboxMessage.kind != "update",
            OutboxMessage.status == "pending",
        )
        .limit(1)
    )


def prune_message_refs(session: Session, before: datetime) -> int:
    """Forget where old messages live: pairings they belong to are long over."""
    stmt = delete(MessageRef).where(MessageRef.sent_at < before)
    return rows_affected(session.execute(stmt))


def remember_channel(session: Session, row_id: int, owner: str, channel_id: str) -> None:
    """Keep the opened conversation so a retry posts without opening it again."""
    session.execute(
        update(OutboxMessage).where(_owned(row_id, owner)).values(channel_id=channel_id)
    )


def reschedule(
    session: Session, row_id: int, owner: str, at: datetime, error: str, *, count_attempt: bool
) -> None:
    values: dict[str, Any] = {
        "next_attempt_at": at,
        "last_error": error[:255],
        "lease_owner": None,
        "lease_until": None,
    }
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    session.execute(update(OutboxMessage).where(_owned(row_id, owner)).values(**values))


def mark_failed(session: Session, row_id: int, owner: str, now: datetime, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(_owned(row_id, owner))
        .values(
            status="failed",
            last_error=error[:255],
            lease_owner=None,
            lease_until=None,
            attempts=OutboxMessage.attempts + 1,
        )
    )


def rows(session: Session, status: str | None = None) -> Sequence[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return session.scalars(stmt).all()


def next_due_at(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", _not_held()
        )
    )


def delete_all_for(session: Session, team_id: str, user_id: str) -> int:
    """Drop every row addressed to one person, sent or not (they asked to be forgotten).

    Group messages they shared with others go too: what was sent lives on in Slack.
    """
    stmt = delete(OutboxMessage).where(
        OutboxMessage.team_id == team_id,
        or_(
            OutboxMessage.recipients == user_id,
            OutboxMessage.recipients.like(f"{user_id},%"),
            OutboxMessage.recipients.like(f"%,{user_id}"),
            OutboxMessage.recipients.like(f"%,{user_id},%"),
            OutboxMessage.dedupe_key.contains(user_id, autoescape=True),
            # Messages to others that name them (a concern shared with their name).
            cast(OutboxMessage.payload, Text).contains(user_id, autoescape=True),
        ),
    )
    return rows_affected(session.execute(stmt))
