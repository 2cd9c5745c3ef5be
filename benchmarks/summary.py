"""How long a lead summary takes over 1,000,000 check-in outcomes and 100,000 feedback
items on SQLite, against a naive baseline (load every row, aggregate in Python).

Summaries add up frozen per-week snapshots of closed weeks; the snapshots are built
once, when a week is first reported on (or by the scheduler's task), and that one-off
cost is printed too. Target: the 12-week summary under 200 ms.

Run: ``python -m benchmarks.summary [--outcomes 1000000] [--feedback 100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bot.capabilities import registry
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.gateway import OfflineGateway
from bot.core.keys import Keys
from bot.core.services import Services
from bot.reporting import snapshots
from bot.reporting.anonymity import closed_weeks
from bot.reporting.summaries import figures
from storage import migrate
from storage.db import Database
from storage.feedback_models import Feedback
from storage.members import default_programme_id, ensure_workspace
from storage.pairing_models import CheckinOutcome

NOW = datetime(2026, 6, 3, 12, tzinfo=UTC)
CATEGORIES = ["working", "performative", "concern", "idea"]


def build(db: Database, outcomes: int, feedback: int) -> int:
    rng = random.Random(1)
    weeks = closed_weeks(NOW, 12)
    with db.transaction() as s:
        ensure_workspace(s, "T1", NOW)
        pid = default_programme_id(s, "T1")
    batch = 100_000
    for start in range(0, outcomes, batch):
        rows = [
            {
                "pair_id": None,
                "programme_id": pid,
                "user_id": None,
                "answer": rng.choice(["met", "met", "not_yet", "wont"]),
                "usefulness": rng.choice([None, 3, 4, 5]),
                "note": None,
                "week": rng.choice(weeks),
            }
            for _ in range(min(batch, outcomes - start))
        ]
        with db.transaction() as s:
            s.execute(insert(CheckinOutcome), rows)
    rows = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex[:16],
            "programme_id": pid,
            "week": rng.choice(weeks),
            "category": rng.choice(CATEGORIES),
            "rating": rng.choice([None, 2, 4]),
            "body": f"feedback text {i}",
        }
        for i in range(feedback)
    ]
    with db.transaction() as s:
        s.execute(insert(Feedback), rows)
    return pid


def baseline(db: Database, pid: int, weeks: list[str]) -> int:
    """Load every row and aggregate in Python."""
    wanted = set(weeks)
    with db.read() as s:
        outcomes = s.execute(
            select(CheckinOutcome.week, CheckinOutcome.answer, CheckinOutcome.usefulness).where(
                CheckinOutcome.programme_id == pid
            )
        ).all()
        items = s.execute(select(Feedback.week, Feedback.category, Feedback.body)).all()
    met = sum(1 for w, a, _ in outcomes if w in wanted and a == "met")
    texts = [b for w, _c, b in items if w in wanted]
    return met + len(texts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--feedback", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="100,000 outcomes, 10,000 items")
    args = parser.parse_args()
    outcomes, feedback = (100_000, 10_000) if args.quick else (args.outcomes, args.feedback)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        migrate.upgrade(db)
        t0 = time.perf_counter()
        pid = build(db, outcomes, feedback)
        built = time.perf_counter() - t0
        services = Services(
            Settings(database_url=url),
            db,
            FrozenClock(NOW),
            OfflineGateway(),
            registry(),
            Keys(bytes(32)),
        )
        print(
            f"summary on SQLite: {outcomes:,} check-in outcomes, {feedback:,} feedback "
            f"items (built in {built:.1f}s)"
        )
        once = _timed(lambda: snapshots.ensure(services, pid, closed_weeks(NOW, 12)))
        print(f"snapshots of 12 closed weeks, built once: {once * 1000:8.1f} ms")
        for n in (4, 12):
            weeks = closed_weeks(NOW, n)
            best = min(_timed(lambda w=weeks: figures(services, pid, w, 5)) for _ in range(3))
            base = min(_timed(lambda w=weeks: baseline(db, pid, w)) for _ in range(2))
            print(
                f"{n:>2} weeks: summary {best * 1000:8.1f} ms   naive baseline "
                f"{base * 1000:8.1f} ms   (target < 200 ms)"
            )
        db.dispose()


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
