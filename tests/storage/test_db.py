"""The database layer: SQLite settings, concurrency, and migrations that match the models."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

import storage.schema  # noqa: F401
from bot.capabilities import registry
from bot.core.gateway import OfflineGateway
from storage import migrate
from storage.db import Database
from storage.models import AuditEntry, Base, Member, Workspace
from tests.support.helpers import head_revisions


def test_sqlite_pragmas_applied(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_migrations_match_models(database: Database):
    """The migrated schema is exactly what the models describe (no drift)."""
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert migrate.current_revisions(database) == head_revisions(database)


def test_upgrade_is_idempotent(database: Database):
    before = set(inspect(database.engine).get_table_names())
    migrate.upgrade(database)
    assert set(inspect(database.engine).get_table_names()) == before
    assert {"member", "outbox", "audit_log", "processed_event"} <= before


def test_times_come_back_aware_utc(database: Database):
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with database.transaction() as s:
        s.add(Workspace(team_id="T1", created_at=at))
    with database.read() as s:
        stored = s.scalar(select(Workspace.created_at))
    assert stored == at and stored.tzinfo is not None
    with pytest.raises(Exception, match="naive"), database.transaction() as s:
        s.add(Workspace(team_id="T2", created_at=datetime(2026, 1, 1)))


def test_parallel_read_then_write_transactions_never_lock_up(database: Database):
    """Bolt runs listeners on worker threads: read-then-write transactions in
    parallel must all succeed (SQLite: BEGIN IMMEDIATE; PostgreSQL: row locks)."""
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with database.transaction() as s:
        s.add(Workspace(team_id="T1", created_at=now))
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(40):
                with database.transaction() as s:
                    s.execute(select(Member).where(Member.user_id == f"U{k}")).all()
                    s.add(
                        AuditEntry(at=now, team_id="T1", actor=f"U{k}", action="x", outcome=str(i))
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.read() as s:
        assert s.scalar(text("SELECT count(*) FROM audit_log")) == 8 * 40


def test_long_reader_does_not_block_writer(database: Database):
    now = datetime(2026, 3, 2, tzinfo=UTC)
    with database.read() as reader:
        reader.execute(select(Workspace)).all()
        with database.transaction() as s:
            s.add(Workspace(team_id="T9", created_at=now))
    with database.read() as s:
        assert s.get(Workspace, "T9") is not None


def test_lock_timeout_is_a_friendly_retry(tmp_path, clock):
    """A write lock held past the busy timeout gives 'try again' and writes nothing."""
    from bot.core.commands import handle
    from bot.core.config import Settings
    from bot.core.keys import Keys
    from bot.core.services import Actor, Services

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    migrate.upgrade(Database(url))
    db = Database(url, busy_timeout_ms=200)
    services = Services(
        Settings(database_url=url), db, clock, OfflineGateway(), registry(), Keys(bytes(32))
    )
    blocker = Database(url)
    with blocker.transaction() as held:
        held.add(Workspace(team_id="TLOCK", created_at=clock.now()))
        held.flush()
        reply = handle(services, Actor("T1", "U0ALLY01"), "join ally")
    assert "busy" in reply.text and "Nothing was changed" in reply.text
    with db.read() as s:
        assert s.scalar(select(Member)) is None
