"""Plan a large round in another process, so the serving process keeps answering.

Why: the engine is pure computation. Planning 10,000 members in the process that
serves Slack held the interpreter lock for seconds, and every request that
arrived meanwhile waited its turn (p99 over a second). The engine imports
neither Slack nor SQLAlchemy and works on plain frozen dataclasses, so it runs
as well in a fresh interpreter: it is handed the members, rules and history and
hands back the :class:`~bot.pairing.engine.RoundPlan`, both pickled.

The process is started with ``spawn`` (a clean interpreter: no copy of the
server's threads, locks or database connections, as ``fork`` would make) for one
round and stopped after it; rounds are rare, and nothing sits idle in between.
Small programmes are planned here: starting an interpreter and importing numpy
and scipy costs more than planning a few hundred members does.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from bot.pairing import engine

#: From this many members on, a round is planned in a separate process.
SEPARATE_PROCESS_FROM = 1000


def plan(
    members: Sequence[engine.Member], rules: engine.Rules, history: engine.History, seed: int
) -> engine.RoundPlan:
    """The engine's plan for these inputs; the same whichever process made it."""
    if len(members) < SEPARATE_PROCESS_FROM:
        return engine.plan_round(list(members), rules, history, seed)
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as planner:
        return planner.submit(engine.plan_round, list(members), rules, history, seed).result()
