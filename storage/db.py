"""The database lifecycle: engines, connection settings and transactions.

SQLite is the embedded default and PostgreSQL the production store; both must
behave the same under Bolt's worker threads and several bot instances.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` so two
threads can never both hold a read lock and then deadlock upgrading it; reads
use a plain deferred ``BEGIN`` and, thanks to WAL, never block writers. The
writers of one process queue for SQLite's single write lock in arrival order
(:mod:`storage.writers`) rather than poll for it in SQLite's busy handler.

A request from Slack must be answered within three seconds, and its answer must
match what was saved. :meth:`Database.request_scope` bounds how long every
transaction of one request may wait for a lock (SQLite's busy timeout,
PostgreSQL's ``lock_timeout``), so a held lock becomes :class:`StorageBusy`, a
rollback and a "try again" in time, never a late success nobody hears about. The
same scope can carry a replay key: it is written in the first transaction of the
request that changes something, so an exact replay of a slash command fails on
that key and rolls back its effect (:class:`Replayed`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from storage.models import RequestReplay
from storage.writers import WriterQueue

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
#: Connections kept open by default (the command line, tests); the app sizes its own
#: pool to the threads that can hold a connection at once (``bot.app``).
POOL_SIZE = 10
#: Error texts (lower case) meaning "waited for a lock and gave up".
_BUSY_SIGNS = ("locked", "lock timeout", "statement timeout", "canceling statement")


class StorageBusy(Exception):
    """The database stayed locked past the busy timeout; the caller may retry."""


class Replayed(Exception):
    """This exact request was carried out before; its effect has been rolled back."""


@dataclass
class _Scope:
    """What one request asked of every transaction it opens (see the module docstring)."""

    deadline: float | None
    replay_key: str | None
    replay_expires: datetime | None
    claimed: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("allybot_request_scope", default=None)


def _wait_ms(default_ms: int) -> int:
    scope = _scope.get()
    if scope is None or scope.deadline is None:
        return default_ms
    return max(1, int((scope.deadline - time.monotonic()) * 1000))


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
        # Every transaction sets its own wait: a request's remaining budget, or the default.
        conn.exec_driver_sql(f"PRAGMA busy_timeout={_wait_ms(busy_timeout_ms)}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _postgres_setup(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        scope = _scope.get()
        if scope is not None and scope.deadline is not None:
            ms = _wait_ms(0)
            # One round trip for both (no parameters: psycopg sends it as one query).
            conn.exec_driver_sql(
                f"SET LOCAL lock_timeout = {ms}; SET LOCAL statement_timeout = {ms}"
            )


#: Rows that record a request rather than carry out its effect.
_BOOKKEEPING = frozenset({"audit_log", "workspace"})


def _note_writes(maker: sessionmaker[Session]) -> None:
    """Mark a session that changed something, so a replay key goes only with an effect.

    An audit entry alone is not an effect: a refused command leaves no replay key,
    and its replay is refused (and audited) again.
    """

    @event.listens_for(maker, "after_flush")
    def _flushed(session: Session, _ctx: Any) -> None:
        # In after_flush the new/dirty/deleted sets still show what was just flushed.
        changed = [*session.new, *session.dirty, *session.deleted]
        if any(getattr(o, "__tablename__", None) not in _BOOKKEEPING for o in changed):
            session.info["allybot_wrote"] = True

    @event.listens_for(maker, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> Any:
        if not (state.is_insert or state.is_update or state.is_delete):
            return None
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _BOOKKEEPING:
            return None
        # Run it now to see whether it touched a row: an insert-or-ignore that
        # found its row already there (ensure_workspace) changed nothing.
        result = state.invoke_statement()
        if getattr(result, "rowcount", -1) != 0:
            state.session.info["allybot_wrote"] = True
        return result


def _is_busy(exc: DBAPIError) -> bool:
    return any(sign in str(exc.orig).lower() for sign in _BUSY_SIGNS)


class Database:
    """Owns the engine and hands out transactions.

    ``transaction()`` is for anything that writes; ``read()`` for pure reads
    (cheaper on SQLite, same on PostgreSQL).
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.url = url
        self._busy_timeout_ms = busy_timeout_ms
        # hide_parameters: an error (and so a log line) names the statement, never the
        # values bound to it, which may be someone's feedback or journal entry.
        # The pool holds as many connections as threads may use at once, and a few
        # more are allowed briefly: a connection opened beyond the pool is closed
        # again when returned, so a pool smaller than the load opens (and, on
        # PostgreSQL, forks a server process for) a connection per request.
        kwargs: dict[str, Any] = {
            "echo": echo,
            "hide_parameters": True,
            "pool_size": pool_size,
            "max_overflow": 20,
        }
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        #: SQLite writers of this process queue here before asking for SQLite's lock
        #: (see :mod:`storage.writers`); PostgreSQL locks rows, not the database.
        self._writers = WriterQueue() if self.is_sqlite else None
        if self.is_sqlite:
            _sqlite_setup(self.engine, busy_timeout_ms)
        else:
            _postgres_setup(self.engine)
        self._read_engine = self.engine.execution_options(allybot_read=True)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)
        _note_writes(self._writer)

    @contextmanager
    def request_scope(
        self,
        *,
        wait_seconds: float | None = None,
        replay_key: str | None = None,
        replay_expires: datetime | None = None,
    ) -> Iterator[None]:
        """Bound every lock wait of the transactions opened inside (``wait_seconds`` in
        all), and write ``replay_key`` with the first one that changes something.

        Scopes belong to the thread (a context variable), so each Slack request
        has its own and background work is never bounded by one.
        """
        deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
        token = _scope.set(_Scope(deadline, replay_key, replay_expires))
        try:
            yield
        finally:
            _scope.reset(token)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any error.

        Raises :class:`StorageBusy` when a lock was not granted in time and
        :class:`Replayed` when the request's replay key was already written.
        """
        writers = self._writers
        if writers is not None and not writers.acquire(_wait_ms(self._busy_timeout_ms) / 1000):
            raise StorageBusy("the database is busy")
        session = self._writer()
        scope = _scope.get()
        try:
            yield session
            if scope is not None and scope.replay_key and not scope.claimed:
                session.flush()
                if session.info.get("allybot_wrote"):
                    self._claim(session, scope)
            session.commit()
            if scope is not None and session.info.get("allybot_claimed"):
                scope.claimed = True
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if not isinstance(exc, IntegrityError) and _is_busy(exc):
                raise StorageBusy("the database is busy") from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if writers is not None:
                writers.release()

    @staticmethod
    def _claim(session: Session, scope: _Scope) -> None:
        assert scope.replay_key is not None and scope.replay_expires is not None
        session.add(RequestReplay(key=scope.replay_key, expires_at=scope.replay_expires))
        try:
            session.flush()
        except IntegrityError:
            # Carried out before (on any instance): the whole transaction, effect
            # included, is rolled back by the caller.
            raise Replayed() from None
        session.info["allybot_claimed"] = True

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

    def checkpoint(self) -> None:
        """SQLite: copy what the write-ahead log holds back into the database file now.

        A long series of writes (a round stored in chunks) otherwise has SQLite do
        it inside whichever commit fills the log past its threshold, while that
        writer still holds the write lock and the others wait. A ``PASSIVE``
        checkpoint takes no write lock and stops at frames a reader still needs.
        Nothing to do on PostgreSQL.
        """
        if not self.is_sqlite:
            return
        raw = self.engine.raw_connection()  # outside any BEGIN: a checkpoint needs that
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cur.close()
        except (OperationalError, sqlite3.OperationalError):
            log.debug("checkpoint skipped: the database is busy")
        finally:
            raw.close()

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
