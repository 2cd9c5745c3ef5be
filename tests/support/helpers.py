"""Small helpers only tests need (kept out of the runtime code on purpose)."""

from __future__ import annotations

from datetime import datetime

from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.outbox import Dispatcher
from bot.prompts.schedule import DEFAULT_WORKING_HOURS, WorkingHours, member_zone
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import OutboxMessage


def drain(dispatcher: Dispatcher, max_passes: int = 1000) -> int:
    """Run dispatcher passes until nothing due is left; how many messages went out."""
    sent = 0
    for _ in range(max_passes):
        done = dispatcher.run_once()
        sent += done
        if done == 0:
            break
    return sent


def status_counts(session: Session) -> dict[str, int]:
    """Outbox rows per status."""
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: count for status, count in rows}


def head_revisions(db: Database) -> set[str]:
    """The Alembic heads the migration scripts define."""
    return set(ScriptDirectory.from_config(alembic_config(db)).get_heads())


def in_working_hours(
    instant: datetime, tz: str, working_hours: WorkingHours = DEFAULT_WORKING_HOURS
) -> bool:
    """Whether an aware instant falls inside the member's working hours, locally."""
    return working_hours.contains(instant.astimezone(member_zone(tz)))
