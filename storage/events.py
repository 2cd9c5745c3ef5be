"""Idempotency keys: a Slack event or interaction is processed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import ProcessedEvent, RequestReplay


class AlreadyProcessed(Exception):
    """The key was written by an earlier (committed) delivery."""


def claim(session: Session, key: str, now: datetime) -> None:
    """Record ``key`` in the current transaction, or raise :class:`AlreadyProcessed`.

    The row is inserted with the effect it guards, so a delivery that crashed
    before committing leaves no row and its retry is processed. Concurrent
    deliveries race on the primary key: the loser's flush fails and it backs off.
    """
    if session.get(ProcessedEvent, key) is not None:
        raise AlreadyProcessed(key)
    session.add(ProcessedEvent(key=key, processed_at=now))
    session.flush()


def prune(session: Session, before: datetime) -> int:
    """Forget keys older than Slack's retry horizon."""
    stmt = delete(ProcessedEvent).where(ProcessedEvent.processed_at < before)
    return rows_affected(session.execute(stmt))


def prune_replays(session: Session, now: datetime) -> int:
    """Forget replay keys whose request Slack's signature window no longer accepts."""
    stmt = delete(RequestReplay).where(RequestReplay.expires_at < now)
    return rows_affected(session.execute(stmt))
