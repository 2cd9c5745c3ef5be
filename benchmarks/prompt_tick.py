"""How long one scheduler tick takes to choose the due prompts among 100,000 members.

Builds a SQLite database with N members (three time zones, staggered schedules so
about 1/672 of them are due in any 15-minute tick), then times:

* ``indexed``: the real query (``storage.prompts.due``: an index range scan on
  ``next_due_at``), which is what a tick runs;
* ``baseline``: loading every schedule and filtering in Python, the naive way.

Run: ``python -m benchmarks.prompt_tick [--members 100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from storage import migrate
from storage import prompts as store
from storage.db import Database
from storage.models import Member, Workspace
from storage.prompt_models import PromptSchedule

ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata")


def build(db: Database, n: int, now: datetime) -> None:
    with db.transaction() as s:
        s.add(Workspace(team_id="T1", created_at=now))
        s.flush()
        s.execute(
            insert(Member),
            [
                {
                    "team_id": "T1",
                    "user_id": f"U{i:07d}",
                    "role": "ally",
                    "status": "active",
                    "tz": ZONES[i % 3],
                    "tz_offset_seconds": 0,
                    "joined_at": now,
                }
                for i in range(n)
            ],
        )
        ids = s.scalars(select(Member.id)).all()
        s.execute(
            insert(PromptSchedule),
            [
                {
                    "member_id": mid,
                    "cadence": "weekly",
                    "weekday": 1,
                    "local_time": "10:00",
                    # spread over a week in 15-minute slots
                    "next_due_at": now + timedelta(minutes=15 * (k % 672)),
                }
                for k, mid in enumerate(ids)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 members")
    args = parser.parse_args()
    n = 10_000 if args.quick else args.members
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db)
        t0 = time.perf_counter()
        build(db, n, now)
        build_s = time.perf_counter() - t0
        tick = now + timedelta(minutes=15)
        timings: dict[str, tuple[float, int]] = {}
        for label in ("indexed", "baseline"):
            best, found = float("inf"), 0
            for _ in range(5):
                t0 = time.perf_counter()
                with db.read() as s:
                    if label == "indexed":
                        found = len(store.due(s, tick, 100_000))
                    else:
                        rows = s.execute(
                            select(Member, PromptSchedule).join(
                                PromptSchedule, PromptSchedule.member_id == Member.id
                            )
                        ).all()
                        found = sum(
                            1
                            for m, p in rows
                            if p.next_due_at is not None
                            and p.next_due_at <= tick
                            and m.status == "active"
                        )
                best = min(best, time.perf_counter() - t0)
            timings[label] = (best, found)
        db.dispose()
    print(f"prompt tick on SQLite, {n:,} members (built in {build_s:.1f}s)")
    print(f"{'method':<10} {'best of 5':>12} {'due found':>10}")
    for label, (secs, found) in timings.items():
        print(f"{label:<10} {secs * 1000:>9.1f} ms {found:>10}")
    speedup = timings["baseline"][0] / timings["indexed"][0]
    print(f"indexed tick is {speedup:.0f}x faster than a full scan; target < 1000 ms")


if __name__ == "__main__":
    main()
