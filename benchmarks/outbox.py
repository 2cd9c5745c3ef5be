"""Outbox delivery rate against a Slack fake that enforces Slack's tiers.

Owes N group introductions (each needs ``conversations.open``, Tier 3: 50 a
minute, then ``chat.postMessage``) and delivers them with one and with two
dispatcher processes on one database, then with two where one is killed with
SIGKILL mid-run. Reports messages per minute as a fraction of the allowed rate,
the most ``conversations.open`` calls the fake saw in any sliding minute (never
above the tier), 429s, messages lost and messages sent twice (only a message in
flight at the kill may be).

Baseline (same run): two processes pacing only themselves (the shared budget
switched off), which is what two instances did before.

``--quick`` scales the tiers and the outbox lease by 10 (500 opens a minute, a
2 s lease) so a run takes seconds; the fake enforces the scaled tier, so
fractions are comparable.

Run: ``python -m benchmarks.outbox [--messages 100] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.core import outbox
from bot.core.clock import SystemClock
from bot.core.gateway import WebClientGateway
from bot.core.outbox import SHARED_PACING, Dispatcher
from bot.sandbox.slackfake import SlackFake
from storage import migrate
from storage.db import Database
from storage.models import OutboxMessage

TOKEN = "xoxb-bench-token"
TIER3_PER_MINUTE = 50


def owe(db: Database, n: int) -> None:
    now = datetime.now(UTC)
    with db.transaction() as s:
        for i in range(n):
            outbox.send_group_dm(
                s,
                team_id="T0ALLYBOT",
                user_ids=[f"U0A{i:05d}", f"U0C{i:05d}"],
                text=f"intro {i}",
                now=now,
                dedupe_key=f"bench:{i}",
            )


def worker(database_url: str, api_url: str, scale: float, owner: str, shared: bool) -> None:
    """One instance's dispatcher loop, as its own process (killable with SIGKILL)."""
    db = Database(database_url)
    client = WebClient(token=TOKEN, base_url=api_url, timeout=15)
    tiers = {m: gap / scale for m, gap in SHARED_PACING.items()}
    if not shared:
        # The old behaviour: each process paces itself, in memory, to the full tier.
        outbox.PACING["conversations.open"] = tiers["conversations.open"]
        tiers = {}
    # Quick mode scales the lease (and its heartbeat) with the tiers, so a killed
    # instance's claims come back in proportion: 20 s becomes 2 s at x10.
    outbox.LEASE = outbox.LEASE / scale
    dispatcher = Dispatcher(
        db,
        WebClientGateway(client),
        SystemClock(),
        owner=owner,
        tiers=tiers,
        heartbeat_seconds=outbox.HEARTBEAT_SECONDS / scale,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        dispatcher.run_once(limit=5)
        with db.read() as s:
            pending = s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            )
        if not pending:
            return
        time.sleep(0.05)


def spawn(
    database_url: str, api_url: str, scale: float, owner: str, shared: bool
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.Popen(
        [
            sys.executable, "-m", "benchmarks.outbox", "--worker", database_url, api_url,
            str(scale), owner, "shared" if shared else "own",
        ],
        env=env,
    )  # fmt: skip


def busiest_minute(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def scenario(
    label: str, n: int, instances: int, scale: float, shared: bool, kill_after: float | None
) -> str:
    window = 60 / scale
    limit = TIER3_PER_MINUTE
    with tempfile.TemporaryDirectory() as tmp, SlackFake(tokens=[TOKEN]) as fake:
        fake.set_rate_limit("conversations.open", limit, window, retry_after=1)
        database_url = f"sqlite:///{Path(tmp) / 'outbox.db'}"
        db = Database(database_url)
        migrate.upgrade(db)
        owe(db, n)
        started = time.monotonic()
        procs = [
            spawn(database_url, fake.base_url, scale, f"i{k}", shared) for k in range(instances)
        ]
        if kill_after is not None:
            time.sleep(kill_after)
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            # A killed instance is restarted, as a supervisor would.
            procs.append(spawn(database_url, fake.base_url, scale, "i0-restarted", shared))
        for p in procs[1:] if kill_after is not None else procs:
            p.wait(900)
        took = time.monotonic() - started
        with db.read() as s:
            sent = s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "sent")
            )
        posts = [c for c in fake.calls("chat.postMessage") if c.ok]
        per_text = Counter(str(c.args.get("text")) for c in posts)
        opens = [c for c in fake.calls("conversations.open")]
        refused = sum(1 for c in opens if c.status == 429)
        accepted = [c.at for c in opens if c.status == 200]
        first, last = min(c.at for c in posts), max(c.at for c in posts)
        db.dispose()
    per_minute = (len(per_text) - 1) / (last - first) * window if last > first else 0.0
    lost = n - len(per_text)
    twice = sum(v - 1 for v in per_text.values() if v > 1)
    return (
        f"{label:<40} {took:>7.1f} {per_minute / limit:>8.0%} "
        f"{busiest_minute(accepted, window):>6}/{limit} {refused:>5} {lost:>5} {twice:>6}"
        f"   (rows sent: {sent})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="tiers x10, 60 messages")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        url, api, scale, owner, mode = args.worker
        worker(url, api, float(scale), owner, mode == "shared")
        return
    scale = 10.0 if args.quick else 1.0
    n = 60 if args.quick else args.messages
    print(
        f"outbox: {n} group intros, conversations.open limited to {TIER3_PER_MINUTE} per "
        f"{60 / scale:.0f} s by the fake (Tier 3{' x10' if scale > 1 else ''})"
    )
    print(
        f"{'scenario':<40} {'secs':>7} {'of rate':>8} {'busiest':>9} {'429s':>5} "
        f"{'lost':>5} {'twice':>6}"
    )
    kill_at = 0.4 * n / TIER3_PER_MINUTE * 60 / scale
    for label, instances, shared, kill in (
        ("one instance", 1, True, None),
        ("two instances, shared budget", 2, True, None),
        ("two instances, one killed -9 midway", 2, True, kill_at),
        ("baseline: two instances pacing alone", 2, False, None),
    ):
        print(scenario(label, n, instances, scale, shared, kill), flush=True)
    print("target: >= 90% of the rate with one instance, never above the tier with two, 0 lost")


if __name__ == "__main__":
    main()
