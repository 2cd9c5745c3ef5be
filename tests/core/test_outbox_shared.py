"""Several instances on one database: one rate budget between them, live claims kept
by heartbeats, a killed instance's claims recovered within seconds."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from typing import Any

from bot.app import AllyBot
from bot.core import outbox
from bot.core.clock import FrozenClock
from bot.core.gateway import WebClientGateway, make_web_client
from bot.core.outbox import LEASE, SAFETY, SHARED_PACING, Dispatcher
from bot.sandbox.slackfake import SlackFake
from storage import outbox as store
from storage.db import Database
from tests.support.helpers import status_counts


class _Timeline:
    """A gateway that notes, on the shared frozen clock, when each method was called."""

    def __init__(self, inner: Any, clock: FrozenClock, calls: list[tuple[str, float]]) -> None:
        self.inner, self.clock, self.calls = inner, clock, calls

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, self.clock.now().timestamp()))
        return self.inner.call(method, params)

    def upload_file(self, **kw: Any) -> dict[str, Any]:
        return self.inner.upload_file(**kw)


def owe_intros(app: AllyBot, n: int) -> None:
    now = app.services.clock.now()
    with app.services.db.transaction() as s:
        for i in range(n):
            outbox.send_group_dm(
                s,
                team_id="T0ALLYBOT",
                user_ids=[f"U0ALLY{i:02d}", f"U0COLL{i:02d}"],
                text="intro",
                now=now,
                dedupe_key=f"intro:{i}",
            )


def test_two_instances_share_one_budget_for_conversations_open(app: AllyBot, clock: FrozenClock):
    owe_intros(app, 12)
    calls: list[tuple[str, float]] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            clock.advance(timedelta(seconds=seconds))

    gateway = _Timeline(WebClientGateway(make_web_client(app.settings)), clock, calls)
    first = Dispatcher(app.services.db, gateway, clock, sleep=sleep, owner="one")
    second = Dispatcher(
        Database(app.settings.database_url), gateway, clock, sleep=sleep, owner="two"
    )
    for _ in range(200):
        first.run_once(limit=2)
        second.run_once(limit=2)
        with app.services.db.read() as s:
            if status_counts(s) == {"sent": 12}:
                break
        clock.advance(timedelta(seconds=0.5))
    with app.services.db.read() as s:
        assert status_counts(s) == {"sent": 12}
    opens = sorted(t for m, t in calls if m == "conversations.open")
    assert len(opens) == 12
    gap = SHARED_PACING["conversations.open"] * SAFETY
    # Whichever instance made them, no two opens came closer than the tier allows.
    assert min(b - a for a, b in itertools.pairwise(opens)) >= gap - 1e-3


class _Stalls:
    """A gateway whose first call hangs until released (a call in flight)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(30)
        return self.inner.call(method, params)

    def upload_file(self, **kw: Any) -> dict[str, Any]:
        return self.inner.upload_file(**kw)


def test_a_live_instance_keeps_its_claims_past_the_lease_by_heartbeat(
    app: AllyBot, clock: FrozenClock, slack_fake: SlackFake
):
    now = clock.now()
    with app.services.db.transaction() as s:
        for i in range(3):
            outbox.send_dm(s, team_id="T0ALLYBOT", user_id=f"U0ALLY{i:02d}", text="hi", now=now)
    stalled = _Stalls(WebClientGateway(make_web_client(app.settings)))
    busy = Dispatcher(app.services.db, stalled, clock, owner="busy", heartbeat_seconds=0.02)
    worker = threading.Thread(target=busy.run_once)
    worker.start()
    assert stalled.entered.wait(10)
    clock.advance(LEASE * 3)  # long past the first lease: only heartbeats keep the claim
    threading.Event().wait(0.2)  # let a few heartbeats run
    other = Dispatcher(
        Database(app.settings.database_url),
        WebClientGateway(make_web_client(app.settings)),
        clock,
        owner="other",
    )
    assert other.run_once() == 0
    stalled.release.set()
    worker.join(10)
    with app.services.db.read() as s:
        assert status_counts(s) == {"sent": 3}
    assert slack_fake.count("chat.postMessage") == 3  # nothing sent twice


def test_a_killed_instances_claims_are_recovered_within_seconds(app: AllyBot, clock: FrozenClock):
    """The lease outlives one Slack call (the client's timeout is 15 s) and not much more."""
    assert timedelta(seconds=15) < LEASE <= timedelta(seconds=30)
    now = clock.now()
    with app.services.db.transaction() as s:
        outbox.send_dm(s, team_id="T0ALLYBOT", user_id="U0ALLY01", text="hi", now=now)
        claimed = store.claim_due(s, owner="killed", now=now, lease=LEASE, limit=10)
    assert len(claimed) == 1
    clock.advance(LEASE + timedelta(seconds=1))
    assert app.dispatcher.run_once() == 1
