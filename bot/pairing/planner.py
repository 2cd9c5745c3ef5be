"""A large round's computing in another process, so the serving process keeps answering.

Why: planning 10,000 members, and rendering their introductions, is pure
computation. Done in the process that serves Slack it held the interpreter lock
for seconds, and every request that arrived meanwhile waited its turn (p99 over
a second). The engine imports neither Slack nor SQLAlchemy and works on plain
frozen dataclasses, and :func:`~bot.pairing.intros.draft_intros` turns plain
(pair id, roles) into plain text and dicts, so both run as well in a fresh
interpreter: a :class:`Worker` hands them their inputs and takes back their
results, pickled.

The process is started with ``spawn`` (a clean interpreter: no copy of the
server's threads, locks or database connections, as ``fork`` would make) for
one round and stopped after it; rounds are rare, and nothing sits idle in
between. It runs at a lower CPU priority, so on a busy machine the serving
process gets a core first and the round takes a little longer. Small rounds are
computed here: starting an interpreter and importing numpy and scipy costs more
than planning a few hundred members does.

Like every ``spawn``, the new interpreter imports the main module of the program
that started it (``python -m bot`` and the ``allybot`` script are safe to import).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from types import TracebackType

from bot.core.hours import Person
from bot.pairing import engine
from bot.pairing.intros import Draft, draft_intros

#: From this many members (or groups to introduce) on, the work goes to another process.
SEPARATE_PROCESS_FROM = 1000
#: How much less CPU priority the other process has (``nice``).
NICENESS = 5


def _second_in_line() -> None:
    """In the worker: let the serving process have a busy core first."""
    os.nice(NICENESS)


class Worker:
    """Where one round's plan and introductions are computed (a context manager)."""

    def __init__(self, size: int) -> None:
        self._pool = (
            ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_second_in_line,
            )
            if size >= SEPARATE_PROCESS_FROM
            else None
        )

    def __enter__(self) -> Worker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def separate(self) -> bool:
        """Whether the work happens in another process."""
        return self._pool is not None

    def plan(
        self,
        members: Sequence[engine.Member],
        rules: engine.Rules,
        history: engine.History,
        seed: int,
    ) -> engine.RoundPlan:
        """The engine's plan for these inputs; the same whichever process made it."""
        if self._pool is None:
            return engine.plan_round(list(members), rules, history, seed)
        return self._pool.submit(engine.plan_round, list(members), rules, history, seed).result()

    def draft_intros(
        self,
        pairs: Sequence[tuple[int, dict[str, str]]],
        people: Mapping[str, Person],
        now: datetime,
        scheduled: bool,
    ) -> list[Draft]:
        """Each new pair's introduction and meeting times (see ``intros.draft_intros``)."""
        if self._pool is None:
            return draft_intros(pairs, people, now, scheduled)
        return self._pool.submit(draft_intros, list(pairs), dict(people), now, scheduled).result()


def plan(
    members: Sequence[engine.Member], rules: engine.Rules, history: engine.History, seed: int
) -> engine.RoundPlan:
    """One plan, computed where :class:`Worker` would (a preview)."""
    with Worker(len(members)) as worker:
        return worker.plan(members, rules, history, seed)
