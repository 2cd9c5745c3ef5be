"""A clock that runs with real time but can be moved forward, for the sandbox.

Why not :class:`bot.core.clock.FrozenClock`: the sandbox is used by a person, so
time should flow (pacing, leases, "2 minutes ago") and only jump when they press
"+1 day". The offset only grows, so nothing the bot stored is ever in the future.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """Real time plus an offset that the sandbox moves forward (and persists)."""

    def __init__(self, offset: float = 0.0, wall: Callable[[], float] = time.time) -> None:
        if offset < 0:
            raise ValueError("the sandbox clock never runs behind real time")
        self._offset = float(offset)
        self._wall = wall
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds the sandbox is ahead of real time (what is persisted)."""
        with self._lock:
            return self._offset

    def timestamp(self) -> float:
        """Epoch seconds of the sandbox's now (for the fake's message stamps)."""
        with self._lock:
            return self._wall() + self._offset

    def now(self) -> datetime:
        """The :class:`~bot.core.clock.Clock` protocol: an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by ``delta``; moving backwards is refused."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("the sandbox clock cannot go backwards")
        with self._lock:
            self._offset += seconds
        return self.now()

    def sleep(self, seconds: float) -> None:
        """The outbox's pacing pause, spent on the sandbox clock instead of waiting.

        The dispatcher still paces every call to Slack's tiers and the fake checks
        its rate limits on this same clock, so the arithmetic is the real one; a
        visitor just does not sit through the pauses.
        """
        if seconds > 0:
            self.advance(seconds)
