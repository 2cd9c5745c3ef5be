"""Acknowledgements leave the moment a listener calls ``ack()``, not at Bolt's next poll.

Bolt (``process_before_response=False``) waits for an ack by sleeping 10 ms at a
time; every request paid at least that, and under load the pollers crowded out
the work. These tests watch Bolt's own wait loop: with allybot's executor and
middleware it never sleeps, while everything Bolt promises (ack first, slow work
after it, an answer for a listener that failed) still holds.
"""

from __future__ import annotations

import threading
import time
import types
from collections.abc import Iterator

import pytest
import slack_bolt.listener.thread_runner as bolt_runner

from bot import acks
from bot.app import AllyBot
from tests.conftest import ADMIN
from tests.support.slack_requests import PayloadSender


@pytest.fixture
def bolt_sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every ``time.sleep`` of Bolt's listener runner: its ack-polling loop."""
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(bolt_runner, "time", types.SimpleNamespace(time=time.time, sleep=sleep))
    yield sleeps


def test_commands_and_buttons_are_answered_without_bolts_poll(
    app: AllyBot, slack: PayloadSender, bolt_sleeps: list[float]
):
    for text in ("help", "join ally", "status", "pause 2 weeks", "resume", "nonsense"):
        reply = slack.command("U0ALLY01", text)
        assert reply.status == 200 and reply.text
    prompt = slack.command("U0ALLY01", "reflect").json()
    skip = next(
        e["value"]
        for b in prompt["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "prompt_skip"
    )
    assert slack.block_action("U0ALLY01", "prompt_skip", skip).status == 200
    assert bolt_sleeps == []


def test_slow_work_still_acknowledges_first_and_reports_later(
    app: AllyBot, slack: PayloadSender, slack_fake, bolt_sleeps: list[float]
):
    for i in range(2):
        slack.command(f"U0ALLY{i:02d}", "join ally")
        slack.command(f"U0COLL{i:02d}", "join colleague")
    ack = slack.command(ADMIN, "admin pair run", follow=False)
    assert ack.status == 200 and "Working on it" in ack.text
    assert slack_fake.wait_for(
        lambda: any("Round created" in str(c.args) for c in slack_fake.response_url_posts()), 15
    )
    assert bolt_sleeps == []


def test_submit_returns_at_the_ack_while_the_listener_carries_on():
    executor = acks.ListenerExecutor(2)
    ack = acks.SignallingAck()
    release = threading.Event()
    finished = threading.Event()

    def listener() -> None:
        ack(text="done")
        release.wait(5)
        finished.set()

    acks._awaited.set(ack)
    try:
        future = executor.submit(listener)
        assert ack.response is not None and ack.response.body
        assert not finished.is_set()  # the work after the ack is still running
        assert acks._awaited.get() is None  # one wait per request
    finally:
        release.set()
        executor.shutdown(wait=True)
    assert future.done() and finished.is_set()


def test_submit_returns_when_the_listener_ends_without_an_ack():
    """Bolt then decides (its 'did not call ack()' path, or the error handler's answer)."""
    executor = acks.ListenerExecutor(2)
    ack = acks.SignallingAck()
    acks._awaited.set(ack)
    try:
        future = executor.submit(lambda: 7)
        assert future.result(0) == 7
        assert ack.response is None
    finally:
        executor.shutdown(wait=True)


def test_a_submit_with_no_request_waiting_is_an_ordinary_submit():
    executor = acks.ListenerExecutor(1)
    acks._awaited.set(None)
    gate = threading.Event()
    try:
        future = executor.submit(gate.wait, 5)
        assert not future.done()  # returned at once, without waiting for the work
    finally:
        gate.set()
        executor.shutdown(wait=True)
