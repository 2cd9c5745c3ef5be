"""One writer at a time on SQLite, in arrival order, woken the moment it is its turn.

Why not leave it to SQLite: SQLite has one write lock per file. A connection that
finds it taken calls the busy handler, which sleeps and retries (1, 2, 5, 10, 15,
20, 25, 25, 25, 50, 50, 100 ms...), so under fifty concurrent requests a write
waits for the next poll rather than for the writer before it: measured on
``allybot serve``, p99 over a second where the writes themselves take a
millisecond or two. Queuing the writers of this process on :class:`WriterQueue`
first means SQLite's lock is free whenever one of them asks, and each is woken
by the writer before it. Writers in other processes (``allybot pair`` next to
``allybot serve``) still meet SQLite's busy handler, as before.

The queue hands the lock over in arrival order, so a long series of short
transactions (a pairing round stored in chunks) lets every request that arrived
meanwhile in between two chunks instead of barging back in.
"""

from __future__ import annotations

import threading
from collections import deque


class WriterQueue:
    """A reentrant lock granted first come, first served, with a bounded wait."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting: deque[_Waiter] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the lock; False if it was not granted."""
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None and not self._waiting:
                self._owner, self._depth = me, 1
                return True
            waiter = _Waiter(me)
            self._waiting.append(waiter)
        granted = waiter.event.wait(max(0.0, timeout))
        with self._guard:
            if waiter.event.is_set():  # handed over, possibly just after the wait ended
                return True
            self._waiting.remove(waiter)
            return granted

    def release(self) -> None:
        """Give the lock up, to the longest-waiting thread if any."""
        with self._guard:
            if self._owner != threading.get_ident():
                raise RuntimeError("released by a thread that does not hold it")
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                waiter = self._waiting.popleft()
                self._owner, self._depth = waiter.thread, 1
                waiter.event.set()
            else:
                self._owner = None

    def held(self) -> bool:
        """True while some thread holds the lock (for tests and diagnostics)."""
        with self._guard:
            return self._owner is not None


class _Waiter:
    __slots__ = ("event", "thread")

    def __init__(self, thread: int) -> None:
        self.thread = thread
        self.event = threading.Event()
