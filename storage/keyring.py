"""The key fingerprint, members' wrapped data keys and the weekly feedback keys."""

from __future__ import annotations

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import Database, rows_affected
from storage.privacy_models import FeedbackWeekKey, KeyFingerprint, MemberKey
from storage.prompt_models import JournalEntry


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def sealed_rows(db: Database) -> int:
    """How many rows only the master key can open (0 before the schema exists)."""
    tables = _tables(db)
    if "member_key" not in tables:
        return 0
    with db.read() as session:
        keys = session.scalar(select(func.count()).select_from(MemberKey)) or 0
        entries = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    return int(keys) + int(entries)


def stored_fingerprint(db: Database) -> str | None:
    if "key_fingerprint" not in _tables(db):
        return None
    with db.read() as session:
        return session.scalar(select(KeyFingerprint.fingerprint).where(KeyFingerprint.id == 1))


def record_fingerprint(db: Database, fingerprint: str) -> None:
    if "key_fingerprint" not in _tables(db):
        return
    with db.transaction() as session:
        row = session.get(KeyFingerprint, 1)
        if row is None:
            session.add(KeyFingerprint(id=1, fingerprint=fingerprint))
        else:
            row.fingerprint = fingerprint


def member_key(session: Session, member_id: int) -> bytes | None:
    row = session.get(MemberKey, member_id)
    return None if row is None else row.wrapped


def add_member_key(session: Session, member_id: int, wrapped: bytes) -> None:
    session.add(MemberKey(member_id=member_id, wrapped=wrapped))
    session.flush()


def delete_member_key(session: Session, member_id: int) -> int:
    return rows_affected(session.execute(delete(MemberKey).where(MemberKey.member_id == member_id)))


def week_key(session: Session, week: str) -> bytes | None:
    row = session.get(FeedbackWeekKey, week)
    return None if row is None else row.key


def week_key_or_add(session: Session, week: str, key: bytes) -> bytes:
    """The week's key, adding ``key`` if the week has none (safe when two first
    submissions of a week race: the loser reads the winner's key)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(FeedbackWeekKey).values(week=week, key=key)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["week"]))
    stored = week_key(session, week)
    if stored is None:
        raise LookupError(f"no key for week {week}")
    return stored


def delete_week_key(session: Session, week: str) -> int:
    return rows_affected(
        session.execute(delete(FeedbackWeekKey).where(FeedbackWeekKey.week == week))
    )
