"""The outbox: stored before sent, delivered once, through 429s, errors and crashes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app import AllyBot
from bot.core import outbox
from bot.core.clock import FrozenClock
from bot.core.gateway import WebClientGateway, make_web_client
from bot.core.outbox import LEASE, Dispatcher
from bot.sandbox.slackfake import SlackFake
from storage import outbox as store
from storage.db import Database
from tests.support.helpers import drain, status_counts


def owe(app: AllyBot, n: int, prefix: str = "U0ALLY") -> None:
    now = app.services.clock.now()
    with app.services.db.transaction() as s:
        for i in range(n):
            outbox.send_dm(
                s,
                team_id="T0ALLYBOT",
                user_id=f"{prefix}{i:02d}",
                text=f"message {i}",
                now=now,
                dedupe_key=f"test:{prefix}:{i}",
            )


def statuses(db: Database) -> dict[str, int]:
    with db.read() as s:
        return status_counts(s)


def test_dedupe_key_owes_a_message_once(app: AllyBot, slack_fake: SlackFake):
    owe(app, 3)
    owe(app, 3)
    assert statuses(app.services.db) == {"pending": 3}
    assert drain(app.dispatcher) == 3
    assert slack_fake.count("chat.postMessage") == 3


def test_default_webclient_has_slacks_retry_handlers(settings):
    client = make_web_client(settings)
    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers)
    assert client.base_url == settings.slack_api_url


def test_429_storm_delays_but_loses_nothing(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    owe(app, 5)
    slack_fake.fail_next("chat.postMessage", count=1000, status=429, retry_after=2)
    assert app.dispatcher.run_once() == 0
    calls = slack_fake.count("chat.postMessage")
    assert calls == 2  # the client's own retry after Retry-After, then the outbox backs off
    with app.services.db.read() as s:
        rows = store.rows(s)
        assert {r.status for r in rows} == {"pending"}
        # Retry-After is honoured: nothing is due again before it has passed.
        assert all(r.next_attempt_at >= clock.now() + timedelta(seconds=2) for r in rows)
    assert app.dispatcher.run_once() == 0
    assert slack_fake.count("chat.postMessage") == calls  # no calls made in vain
    slack_fake.clear_failures()
    clock.advance(timedelta(seconds=3))
    assert drain(app.dispatcher) == 5
    assert statuses(app.services.db) == {"sent": 5}
    delivered = [c for c in slack_fake.calls("chat.postMessage") if c.ok]
    assert sorted(c.args["text"] for c in delivered) == [f"message {i}" for i in range(5)]


def test_ratelimited_json_error_is_treated_as_rate_limit(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    owe(app, 1)
    slack_fake.fail_next("chat.postMessage", count=1, status=200, error="ratelimited")
    assert app.dispatcher.run_once() == 0
    assert statuses(app.services.db) == {"pending": 1}
    clock.advance(timedelta(seconds=31))
    assert drain(app.dispatcher) == 1


def test_server_errors_are_retried_with_backoff(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    owe(app, 1)
    slack_fake.fail_next("chat.postMessage", count=3, status=500)  # client retries twice itself
    assert app.dispatcher.run_once() == 0
    with app.services.db.read() as s:
        (row,) = store.rows(s)
        assert row.status == "pending" and row.attempts == 1
        assert row.next_attempt_at == clock.now() + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    assert drain(app.dispatcher) == 1


def test_recipient_errors_fail_the_row_but_not_the_batch(app: AllyBot, slack_fake: SlackFake):
    owe(app, 2)
    slack_fake.fail_next("chat.postMessage", count=1, status=200, error="channel_not_found")
    assert drain(app.dispatcher) == 1
    assert statuses(app.services.db) == {"failed": 1, "sent": 1}


class _DiesOnSend:
    """A gateway whose process 'dies' (SystemExit) on the first message it sends."""

    def __init__(self, inner: WebClientGateway, after_send: bool) -> None:
        self.inner, self.after_send, self.died = inner, after_send, False

    def call(self, method, params):
        if method == "chat.postMessage" and not self.died:
            self.died = True
            if self.after_send:
                self.inner.call(method, params)
            raise SystemExit("killed")
        return self.inner.call(method, params)

    def upload_file(self, **kw):
        return self.inner.upload_file(**kw)


@pytest.mark.parametrize("after_send", [False, True])
def test_killed_dispatcher_is_recovered_after_restart(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock, after_send: bool
):
    """Killed between claiming and sending (or before marking sent): a new worker
    on the same database delivers every row; at-least-once, at most one resend."""
    owe(app, 4)
    gateway = WebClientGateway(make_web_client(app.settings))
    doomed = Dispatcher(app.services.db, _DiesOnSend(gateway, after_send), clock, owner="doomed")
    with pytest.raises(SystemExit):
        doomed.run_once()
    # The claimed rows are leased to the dead worker: nobody else takes them yet.
    survivor = Dispatcher(Database(app.settings.database_url), gateway, clock, owner="new")
    assert survivor.run_once() == 0
    clock.advance(LEASE + timedelta(seconds=1))
    assert drain(survivor) == 4
    assert statuses(app.services.db) == {"sent": 4}
    per_user: dict[str, int] = {}
    for call in slack_fake.calls("chat.postMessage"):
        per_user[call.args["channel"]] = per_user.get(call.args["channel"], 0) + 1
    assert len(per_user) == 4
    assert sum(per_user.values()) == 4 + (1 if after_send else 0)


def test_group_dm_opens_conversation_once_and_survives_429(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    now = clock.now()
    with app.services.db.transaction() as s:
        for i in range(4):
            outbox.send_group_dm(
                s,
                team_id="T0ALLYBOT",
                user_ids=[f"U0ALLY{i:02d}", f"U0COLL{i:02d}"],
                text="intro",
                now=now,
                dedupe_key=f"intro:{i}",
            )
    slack_fake.fail_every("conversations.open", 2, status=429, retry_after=0)
    for _ in range(50):
        drain(app.dispatcher)
        if statuses(app.services.db) == {"sent": 4}:
            break
        clock.advance(timedelta(seconds=5))
    assert statuses(app.services.db) == {"sent": 4}
    posts = [c for c in slack_fake.calls("chat.postMessage") if c.ok]
    assert len(posts) == 4
    assert len({c.args["channel"] for c in posts}) == 4


def test_posts_are_paced_per_channel(app: AllyBot, slack_fake: SlackFake, sleeps: list[float]):
    now = app.services.clock.now()
    with app.services.db.transaction() as s:
        for i in range(3):
            outbox.send_dm(s, team_id="T", user_id="U0ALLY01", text=f"m{i}", now=now)
    assert drain(app.dispatcher) == 3
    # The frozen clock only moves when the dispatcher waits: 3 posts to one channel
    # need at least 2 seconds of waiting.
    assert sum(sleeps) >= 2.0 - 1e-6


def test_live_lease_is_not_stolen_expired_one_is(app: AllyBot, clock: FrozenClock):
    owe(app, 2)
    with app.services.db.transaction() as s:
        claimed = store.claim_due(s, owner="a", now=clock.now(), lease=LEASE, limit=1)
    assert len(claimed) == 1
    with app.services.db.transaction() as s:
        other = store.claim_due(s, owner="b", now=clock.now(), lease=LEASE, limit=10)
        assert [r.id for r in other] != [claimed[0].id] and len(other) == 1
    clock.advance(LEASE + timedelta(seconds=1))
    with app.services.db.transaction() as s:
        again = store.claim_due(s, owner="c", now=clock.now(), lease=LEASE, limit=10)
        assert sorted(r.id for r in again) == sorted([claimed[0].id, other[0].id])


@pytest.mark.postgres
def test_concurrent_claims_are_disjoint_on_postgres(postgres_server, clock: FrozenClock):
    import uuid

    from storage import migrate

    name = f"t_{uuid.uuid4().hex[:12]}"
    db = Database(postgres_server.create_database(name))
    try:
        migrate.upgrade(db)
        with db.transaction() as s:
            for i in range(1000):
                store.enqueue(
                    s,
                    team_id="T",
                    kind="dm",
                    recipients=[f"U{i}"],
                    payload={"text": "x"},
                    now=clock.now(),
                )
        seen: list[list[int]] = [[] for _ in range(4)]

        def worker(k: int) -> None:
            while True:
                with db.transaction() as s:
                    rows = store.claim_due(s, owner=f"w{k}", now=clock.now(), lease=LEASE, limit=25)
                    if not rows:
                        return
                    seen[k].extend(r.id for r in rows)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        all_ids = [i for ids in seen for i in ids]
        assert len(all_ids) == 1000 and len(set(all_ids)) == 1000
        assert sum(1 for ids in seen if ids) >= 2
    finally:
        db.dispose()
        postgres_server.drop_database(name)
