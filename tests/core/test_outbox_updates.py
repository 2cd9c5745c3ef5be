"""Updating a message the bot sent earlier (``chat.update``) goes through the outbox too:
it waits for the original to go out, keeps only where that message is, is paced as
Tier 3, and never fails loudly when there is nothing left to update."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import AllyBot
from bot.core import outbox
from bot.core.clock import FrozenClock
from bot.core.outbox import SAFETY
from bot.sandbox.slackfake import SlackFake
from storage import outbox as store
from storage.models import MessageRef
from tests.support.helpers import drain, status_counts

TEAM = "T0ALLYBOT"
PAIR = ["U0ALLY00", "U0COLL00"]
BUTTONS = {
    "type": "actions",
    "elements": [
        {"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "Go"}}
    ],
}


def send_original(app: AllyBot, ref: str, users: list[str] = PAIR) -> None:
    with app.services.db.transaction() as s:
        outbox.send_group_dm(
            s,
            team_id=TEAM,
            user_ids=users,
            text="hello",
            blocks=[BUTTONS],
            now=app.services.clock.now(),
            ref=ref,
        )


def owe_update(app: AllyBot, ref: str, text: str = "changed") -> None:
    with app.services.db.transaction() as s:
        outbox.update_message(
            s,
            team_id=TEAM,
            ref=ref,
            user_ids=PAIR,
            text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            now=app.services.clock.now(),
        )


def test_update_changes_the_message_sent_under_its_ref(app: AllyBot, slack_fake: SlackFake):
    send_original(app, "r1")
    assert drain(app.dispatcher) == 1
    [post] = [c for c in slack_fake.calls("chat.postMessage") if c.ok]
    owe_update(app, "r1")
    assert drain(app.dispatcher) == 1
    [update] = slack_fake.calls("chat.update")
    assert update.ok
    assert (update.args["channel"], update.args["ts"]) == (
        post.response["channel"],
        post.response["ts"],
    )
    assert update.args["text"] == "changed"
    assert all(b["type"] != "actions" for b in update.args["blocks"])
    assert update.response["message"].get("blocks") == update.args["blocks"]
    with app.services.db.read() as s:
        assert status_counts(s) == {"sent": 2}
        assert all(r.payload == {} for r in store.rows(s))  # nothing said is kept


def test_update_owed_before_the_original_went_out_waits_for_it(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    send_original(app, "r1")
    owe_update(app, "r1")
    # The original fails for now (500s beyond the client's own retries): it is retried later.
    slack_fake.fail_next("conversations.open", count=3, status=500)
    assert app.dispatcher.run_once() == 0
    assert slack_fake.count("chat.update") == 0
    with app.services.db.read() as s:
        assert status_counts(s) == {"pending": 2}
    clock.advance(timedelta(seconds=10))
    assert drain(app.dispatcher) == 2
    calls = [c.method for c in slack_fake.calls() if c.ok]
    assert calls.index("chat.postMessage") < calls.index("chat.update")
    assert slack_fake.count("chat.update") == 1


def test_nothing_to_update_when_the_original_never_went_out(app: AllyBot, slack_fake: SlackFake):
    owe_update(app, "never-sent")
    send_original(app, "fails")
    owe_update(app, "fails")
    slack_fake.fail_next("conversations.open", count=1, status=200, error="user_not_found")
    assert drain(app.dispatcher) == 2  # the two updates, each with nothing to do
    assert slack_fake.count("chat.update") == 0
    with app.services.db.read() as s:
        assert status_counts(s) == {"failed": 1, "sent": 2}
        assert list(s.scalars(select(MessageRef))) == []


def test_updates_are_paced_as_tier_3(app: AllyBot, slack_fake: SlackFake, sleeps: list[float]):
    for i in range(4):
        slack_fake.add_channel(f"G{i:09d}")
    # The fake only updates messages it holds, so post them first through the client.
    for i in range(4):
        post = app.services.gateway.call(
            "chat.postMessage", {"channel": f"G{i:09d}", "text": "hello"}
        )
        with app.services.db.transaction() as s:
            store.remember_message(
                s, f"r{i}", TEAM, f"G{i:09d}", post["ts"], app.services.clock.now()
            )
    for i in range(4):
        owe_update(app, f"r{i}")
    assert drain(app.dispatcher) == 4
    assert slack_fake.count("chat.update") == 4
    assert all(c.ok for c in slack_fake.calls("chat.update"))
    # One Tier 3 gap between calls, workspace-wide (with the shared budget's margin).
    assert sleeps == pytest.approx([60 / 50 * SAFETY] * 3)


def test_update_refused_by_slack_fails_once_without_retrying(
    app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    send_original(app, "r1")
    drain(app.dispatcher)
    owe_update(app, "r1")
    slack_fake.set_error("chat.update", "cant_update_message")
    assert drain(app.dispatcher) == 0
    clock.advance(timedelta(hours=1))
    assert drain(app.dispatcher) == 0
    assert slack_fake.count("chat.update") == 1
    with app.services.db.read() as s:
        assert status_counts(s) == {"failed": 1, "sent": 1}


def test_a_resent_original_is_the_one_updated(app: AllyBot, clock: FrozenClock):
    """At-least-once: if the original is sent again after a crash, the newest copy wins."""
    with app.services.db.transaction() as s:
        store.remember_message(s, "r1", TEAM, "G1", "1.1", clock.now())
    with app.services.db.transaction() as s:
        store.remember_message(s, "r1", TEAM, "G2", "2.2", clock.now())
    with app.services.db.read() as s:
        row = store.message_ref(s, "r1")
        assert row is not None and (row.channel_id, row.message_ts) == ("G2", "2.2")


def test_where_messages_live_is_forgotten_after_half_a_year(app: AllyBot, clock: FrozenClock):
    with app.services.db.transaction() as s:
        store.remember_message(s, "old", TEAM, "G1", "1.1", clock.now())
    clock.advance(timedelta(days=100))
    with app.services.db.transaction() as s:
        store.remember_message(s, "new", TEAM, "G2", "2.2", clock.now())
    clock.advance(timedelta(days=81))
    app.scheduler.tick()
    with app.services.db.read() as s:
        assert [r.ref for r in s.scalars(select(MessageRef))] == ["new"]
