"""A rate budget per Slack method, shared by every instance through the database.

Each call reserves the next free slot of its method's budget. Two instances that
paced themselves each sent at the full rate, together twice what Slack allows;
reserving slots from one row keeps N instances inside one tier.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import RateBudget


def reserve(
    session: Session, key: str, now: datetime, gap: timedelta, max_wait: timedelta
) -> tuple[bool, float]:
    """Take the next slot of ``key`` if it comes within ``max_wait``.

    Returns ``(True, seconds to wait until the slot)`` when reserved, or
    ``(False, seconds until the next free slot)`` without using the budget, so a
    caller that defers the call wastes nothing. The row is locked for the rest
    of the transaction (``FOR UPDATE``; SQLite's writes are serial anyway).
    """
    row = session.get(RateBudget, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(RateBudget(key=key, next_at=now + gap))
            return True, 0.0
        except IntegrityError:
            row = session.get(RateBudget, key, with_for_update=True, populate_existing=True)
            if row is None:  # pragma: no cover - the winner's row cannot vanish
                raise
    slot = max(row.next_at, now)
    wait = (slot - now).total_seconds()
    if slot - now > max_wait:
        return False, wait
    row.next_at = slot + gap
    return True, wait


def push_back(session: Session, key: str, until: datetime) -> None:
    """Slack said "slow down" (429): nobody calls ``key`` again before ``until``."""
    row = session.get(RateBudget, key, with_for_update=True)
    if row is None:
        session.add(RateBudget(key=key, next_at=until))
    elif row.next_at < until:
        row.next_at = until
