"""The database lifecycle: engines, connection settings and transactions.

SQLite is the embedded default and PostgreSQL the production store; both must
behave the same under Bolt's worker threads and several bot instances.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` so two
threads can never both hold a read lock and then deadlock upgrading it; reads
use a plain deferred ``BEGIN`` and, thanks to WAL, never block writers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class StorageBusy(Exception):
    """The database stayed locked past the busy timeout; the caller may retry."""


def _sqlite_setup(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not left in free pages for a
        # copy of the file to reveal (feedback staging, forgotten members).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "DEFERRED" if conn.get_execution_options().get("allybot_read") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """Owns the engine and hands out transactions.

    ``transaction()`` is for anything that writes; ``read()`` for pure reads
    (cheaper on SQLite, same on PostgreSQL).
    """

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.url = url
        # hide_parameters: an error (and so a log line) names the statement, never the
        # values bound to it, which may be someone's feedback or journal entry.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine = create_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _sqlite_setup(self.engine, busy_timeout_ms)
        self._read_engine = self.engine.execution_options(allybot_read=True)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error."""
        session = self._writer()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if "locked" in str(exc.orig).lower():
                raise StorageBusy(str(exc.orig)) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end)."""
        session = self._reader()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring loaded objects, so
            # values read inside stay usable after the block.
            session.close()

    def ping(self) -> bool:
        """True when the database answers; used by ``/healthz``."""
        try:
            with self._read_engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("database ping failed", exc_info=True)
            return False

    def forget_deleted(self, tables: list[str], *, background: bool = False) -> None:
        """Ask the database to drop the bytes of rows just deleted from ``tables``.

        SQLite (with ``secure_delete``) zeroes deleted cells in the pages it writes,
        but the old page images stay in the ``-wal`` file until a checkpoint: a
        ``TRUNCATE`` checkpoint copies the pages back and empties the WAL. On
        PostgreSQL, ``VACUUM`` reclaims the dead tuples (their ``xmin`` included) from
        the tables; ``background`` runs it on a thread so the caller's reply is not
        held up. Neither reaches backups, replicas or WAL archives. Best effort: a
        busy database is tried again next time.
        """
        if background and not self.is_sqlite:
            threading.Thread(
                target=self.forget_deleted, args=(tables,), name="allybot-vacuum", daemon=True
            ).start()
            return
        try:
            if self.is_sqlite:
                raw = self.engine.raw_connection()  # outside any BEGIN: a checkpoint needs that
                try:
                    cur = raw.cursor()
                    cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    cur.close()
                finally:
                    raw.close()
                return
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in tables:
                    if not table.replace("_", "").isalnum():
                        raise ValueError(f"not a table name: {table!r}")
                    conn.exec_driver_sql(f"VACUUM {table}")
        except OperationalError:
            log.warning("could not compact the database after a delete; will retry later")

    def dispose(self) -> None:
        self.engine.dispose()


def rows_affected(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched (0 when the driver can't say)."""
    if not isinstance(result, CursorResult):
        raise TypeError("rows_affected needs the result of a DML statement")
    return result.rowcount or 0
