"""SQLite writers of one process queue for the write lock in arrival order.

The attack: fifty requests writing at once. Left to SQLite's busy handler, each
waiting writer slept and polled (up to 100 ms a time) and p99 passed a second;
queued here, each is woken by the writer before it, in turn, and a long series
of short transactions (a round stored in chunks) cannot barge past them.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select

from storage import migrate
from storage.db import Database, StorageBusy
from storage.models import AuditEntry, Workspace
from storage.writers import WriterQueue

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def entry(actor: str, outcome: str = "ok") -> AuditEntry:
    return AuditEntry(at=NOW, team_id="T1", actor=actor, action="w", outcome=outcome)


def test_the_lock_is_granted_in_arrival_order():
    queue = WriterQueue()
    assert queue.acquire(1)
    order: list[int] = []
    arrived: list[int] = []

    def writer(n: int) -> None:
        arrived.append(n)
        assert queue.acquire(5)
        order.append(n)
        queue.release()

    threads = []
    for n in range(6):
        t = threading.Thread(target=writer, args=(n,))
        t.start()
        threads.append(t)
        while len(arrived) <= n or len(queue._waiting) <= n:  # n is queued before n+1 starts
            threading.Event().wait(0.001)
    queue.release()
    for t in threads:
        t.join(5)
    assert order == list(range(6))
    assert not queue.held()


def test_the_releasing_thread_cannot_barge_back_in():
    """A loop of short transactions lets a writer that was waiting go first."""
    queue = WriterQueue()
    assert queue.acquire(1)
    got_in = threading.Event()

    def waiting_writer() -> None:
        assert queue.acquire(5)
        got_in.set()
        queue.release()

    t = threading.Thread(target=waiting_writer)
    t.start()
    while not queue._waiting:
        threading.Event().wait(0.001)
    queue.release()
    assert queue.acquire(5)  # the loop's next chunk: granted only after the waiter
    assert got_in.is_set()
    queue.release()
    t.join(5)


def test_a_wait_that_runs_out_gives_up_and_leaves_the_queue_consistent():
    queue = WriterQueue()
    assert queue.acquire(1)
    result: list[bool] = []
    t = threading.Thread(target=lambda: result.append(queue.acquire(0.05)))
    t.start()
    t.join(5)
    assert result == [False] and not queue._waiting
    queue.release()
    assert not queue.held()
    assert queue.acquire(0)  # free again, at once
    queue.release()


def test_it_is_reentrant_and_only_its_holder_may_release():
    queue = WriterQueue()
    assert queue.acquire(1) and queue.acquire(1)
    queue.release()
    assert queue.held()
    errors: list[BaseException] = []

    def other() -> None:
        try:
            queue.release()
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join(5)
    assert len(errors) == 1 and queue.held()
    queue.release()
    assert not queue.held()


@pytest.fixture
def sqlite_db(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    migrate.upgrade(db)
    with db.transaction() as s:
        s.add(Workspace(team_id="T1", created_at=NOW))
    yield db
    db.dispose()


def test_a_request_behind_a_long_writer_of_this_process_gets_busy_in_time(sqlite_db: Database):
    """The request's bounded wait covers the queue: 'busy, nothing changed' on time."""
    inside = threading.Event()
    done = threading.Event()

    def long_writer() -> None:
        with sqlite_db.transaction() as s:
            s.add(AuditEntry(at=NOW, team_id="T1", actor="U1", action="long", outcome="ok"))
            s.flush()
            inside.set()
            done.wait(5)

    t = threading.Thread(target=long_writer)
    t.start()
    assert inside.wait(5)
    try:
        with (
            pytest.raises(StorageBusy),
            sqlite_db.request_scope(wait_seconds=0.1),
            sqlite_db.transaction() as s,
        ):
            s.add(AuditEntry(at=NOW, team_id="T1", actor="U2", action="x", outcome="ok"))
    finally:
        done.set()
        t.join(5)
    with sqlite_db.read() as s:
        assert s.scalars(select(AuditEntry.actor)).all() == ["U1"]


def test_a_loop_of_short_transactions_lets_a_waiting_request_in_after_one(
    sqlite_db: Database,
):
    """What storing a round in chunks relies on: a request that arrives while the
    loop runs is written after the loop's current transaction, not after the loop."""
    fifth = threading.Event()
    request_done = threading.Event()

    def chunk_loop() -> None:
        for i in range(40):
            with sqlite_db.transaction() as s:
                s.add(entry("LOOP", str(i)))
                if i == 5:
                    fifth.set()
                    # Stay inside until the request is queued behind us.
                    while not sqlite_db._writers._waiting:  # type: ignore[union-attr]
                        threading.Event().wait(0.001)

    def request() -> None:
        assert fifth.wait(5)
        with sqlite_db.request_scope(wait_seconds=1.5), sqlite_db.transaction() as s:
            s.add(AuditEntry(at=NOW, team_id="T1", actor="REQ", action="x", outcome="ok"))
        request_done.set()

    threads = [threading.Thread(target=chunk_loop), threading.Thread(target=request)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert request_done.is_set()
    with sqlite_db.read() as s:
        actors = s.scalars(select(AuditEntry.actor).order_by(AuditEntry.id)).all()
    assert actors.index("REQ") == 6  # right after the chunk it waited behind
    assert len(actors) == 41


def test_many_writers_at_once_never_wait_in_sqlites_busy_handler(sqlite_db: Database):
    """Thirty-two threads writing together all succeed, and none of them ever asks
    SQLite for its write lock while another connection of this process holds it or
    is waiting for it (so none sleeps in SQLite's busy handler)."""
    guard = threading.Lock()
    state = {"asking": 0, "holding": 0, "contended": 0, "transactions": 0}

    def begins_writing(statement: str) -> bool:
        return statement.startswith("BEGIN IMMEDIATE")

    @event.listens_for(sqlite_db.engine, "before_cursor_execute")
    def _asking(conn: Connection, _cur: Any, statement: str, *_args: Any) -> None:
        if begins_writing(statement):
            with guard:
                state["contended"] += bool(state["holding"] or state["asking"])
                state["asking"] += 1

    @event.listens_for(sqlite_db.engine, "after_cursor_execute")
    def _holding(conn: Connection, _cur: Any, statement: str, *_args: Any) -> None:
        if begins_writing(statement):  # SQLite granted it
            conn.info["holds"] = True
            with guard:
                state["asking"] -= 1
                state["holding"] += 1

    def _ended(conn: Connection) -> None:
        if conn.info.pop("holds", False):
            with guard:
                state["holding"] -= 1
                state["transactions"] += 1

    event.listen(sqlite_db.engine, "commit", _ended)
    event.listen(sqlite_db.engine, "rollback", _ended)
    errors: list[BaseException] = []
    barrier = threading.Barrier(32)

    def writer(k: int) -> None:
        barrier.wait()
        try:
            for i in range(10):
                with sqlite_db.transaction() as s:
                    # Read, then write: a request's usual shape.
                    s.scalars(select(AuditEntry.id).where(AuditEntry.actor == f"U{k}")).all()
                    s.add(entry(f"U{k}", str(i)))
                    s.flush()
                    # Other threads run meanwhile, as they do in a busy server.
                    time.sleep(0.001)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert state == {"asking": 0, "holding": 0, "contended": 0, "transactions": 320}
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 320
