"""Named leases so that, of several bot instances, exactly one runs scheduled work."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import SchedulerLease


def try_acquire(
    session: Session, name: str, owner: str, now: datetime, duration: timedelta
) -> bool:
    """Take or renew the lease ``name`` for ``owner``; False if someone else holds it.

    The conditional UPDATE is atomic on both backends, and the INSERT of a new
    lease races on the primary key, so two instances can never both win.
    """
    until = now + duration
    result = session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            (SchedulerLease.owner == owner) | (SchedulerLease.lease_until < now),
        )
        .values(owner=owner, lease_until=until)
    )
    if rows_affected(result):
        return True
    if session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name)):
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=name, owner=owner, lease_until=until))
    except IntegrityError:
        return False
    return True


def release(session: Session, name: str, owner: str) -> None:
    session.execute(
        delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.owner == owner)
    )


def holder(session: Session, name: str) -> tuple[str, datetime] | None:
    row = session.get(SchedulerLease, name)
    return (row.owner, row.lease_until) if row else None
