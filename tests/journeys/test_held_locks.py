"""A database lock held by someone else: every command is answered inside Slack's
three seconds, and the answer matches what was saved (saved, or "try again" and
nothing saved). Before, a 5 s lock gave HTTP 404 after 3 s with the pause saved."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from bot.app import AllyBot
from bot.core.commands import BUSY
from storage import members as members_store
from storage.db import Database
from tests.conftest import ADMIN
from tests.support.slack_requests import PayloadSender


@contextmanager
def held_lock(
    db: Database, seconds: float, tables: tuple[str, ...] = ("member",)
) -> Iterator[None]:
    """Hold the write lock (SQLite) or these tables' row locks (PostgreSQL) in a thread."""
    taken = threading.Event()

    def hold() -> None:
        with db.engine.connect() as conn:
            # On SQLite the engine's begin hook makes this BEGIN IMMEDIATE: the write lock.
            for table in tables:
                conn.execute(text(f"UPDATE {table} SET id = id"))
            taken.set()
            time.sleep(seconds)
            conn.rollback()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(5)
    try:
        yield
    finally:
        thread.join()


def paused(app: AllyBot, user: str) -> bool:
    with app.services.db.read() as s:
        member = members_store.get_member(s, "T0ALLYBOT", user)
        return member is not None and member.status == "paused"


def test_a_long_held_lock_gets_try_again_in_time_and_nothing_saved(
    app: AllyBot, slack: PayloadSender
):
    slack.command("U0ALLY01", "join ally")
    with held_lock(app.services.db, 4.0):
        started = time.monotonic()
        reply = slack.command("U0ALLY01", "pause 3 weeks")
        took = time.monotonic() - started
    assert reply.status == 200
    assert took < 3.0, took
    assert BUSY in reply.text
    assert not paused(app, "U0ALLY01")


def test_a_short_lock_is_waited_out_and_the_reply_matches_what_was_saved(
    app: AllyBot, slack: PayloadSender
):
    slack.command("U0ALLY01", "join ally")
    with held_lock(app.services.db, 0.5):
        started = time.monotonic()
        reply = slack.command("U0ALLY01", "pause 3 weeks")
        took = time.monotonic() - started
    assert reply.status == 200 and took < 3.0
    assert "Paused" in reply.text
    assert paused(app, "U0ALLY01")


def test_a_button_under_a_held_lock_says_try_again_and_saves_nothing(
    app: AllyBot, slack: PayloadSender, slack_fake
):
    slack.command("U0ALLY01", "join ally")
    prompt = slack.command("U0ALLY01", "reflect").json()
    delivery = next(
        e["value"]
        for b in prompt["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "prompt_skip"
    )
    with held_lock(app.services.db, 4.0, ("member", "prompt_delivery")):
        reply = slack.block_action("U0ALLY01", "prompt_skip", delivery)
        assert reply.status == 200
        # The button's answer goes through response_url once the wait is over.
        call = slack_fake.wait_for(lambda: slack_fake.response_url_posts(), timeout=5)
    assert call
    assert "busy" in str(slack_fake.response_url_posts()[-1].args.get("text"))
    with app.services.db.read() as s:
        status = s.execute(text("SELECT status FROM prompt_delivery")).scalar_one()
    assert status == "sent"


def test_slow_work_is_acknowledged_at_once_and_reports_later(
    app: AllyBot, slack: PayloadSender, slack_fake
):
    for i in range(3):
        slack.command(f"U0ALLY{i:02d}", "join ally")
        slack.command(f"U0COLL{i:02d}", "join colleague")
    with held_lock(app.services.db, 4.0):
        started = time.monotonic()
        ack = slack.command(ADMIN, "admin pair run", follow=False)
        took = time.monotonic() - started
        assert ack.status == 200 and took < 3.0, took  # Slack's deadline for an ack
        assert "Working on it" in ack.text
        assert not any("Round created" in str(c.args) for c in slack_fake.response_url_posts())
    assert slack_fake.wait_for(
        lambda: any("Round created" in str(c.args) for c in slack_fake.response_url_posts()), 15
    )
    with app.services.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM pair")).scalar_one() == 3
