"""A round is stored in short transactions, and members only ever see it whole.

The attacks: the process dies between two chunks (an exception injected where a
chunk is written, and a real ``kill -9`` of ``allybot pair``); a member sends a
command while the round is being written; an admin runs the round again. Members
must never see half a round (no new pair in their status, no introduction sent,
their old buddy still current), and the next run must finish it exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.pairing import round_writer, rounds
from bot.sandbox.slackfake import SlackFake
from storage import pairing as store
from storage import rounds as rounds_store
from storage.models import OutboxHold, OutboxMessage
from storage.pairing_models import Pair, PairingRound, PairParticipant, SitOut
from tests.conftest import ADMIN
from tests.journeys.test_pairing_flow import deliver, enrol
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender

ALLIES = [f"U0ALLY{i:02d}" for i in range(14)]
COLLEAGUES = [f"U0COLL{i:02d}" for i in range(10)]


class Crash(Exception):
    """The process dies while a chunk is being written."""


def intros_sent(slack_fake: SlackFake) -> list[str]:
    return [
        c.args["text"]
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and "Meet your" in c.args.get("text", "")
    ]


def round_state(app: AllyBot) -> dict[str, int]:
    with app.services.db.read() as s:
        return {
            "rounds": s.scalar(select(func.count()).select_from(PairingRound)) or 0,
            "incomplete": len(rounds_store.incomplete_rounds(s)),
            "pairs": s.scalar(select(func.count()).select_from(Pair)) or 0,
            "pending_pairs": s.scalar(
                select(func.count()).select_from(Pair).where(Pair.status == store.PENDING)
            )
            or 0,
            # Introductions and sit-out notes held (their calendar files are held too).
            "held": s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .join(OutboxHold, OutboxHold.name == OutboxMessage.hold)
                .where(OutboxMessage.kind != "file")
            )
            or 0,
            "held_files": s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .join(OutboxHold, OutboxHold.name == OutboxMessage.hold)
                .where(OutboxMessage.kind == "file")
            )
            or 0,
        }


def first_round(app: AllyBot, slack: PayloadSender, clock: FrozenClock) -> dict[str, int]:
    """A complete first round, delivered: everyone's current buddy, before the attack."""
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    assert "Round created" in slack.command(ADMIN, "admin pair run").text
    deliver(app, clock)
    with app.services.db.read() as s:
        return {u: len(store.current_pairs_of(s, slack.team_id, u)) for u in ALLIES + COLLEAGUES}


def test_a_crash_between_chunks_shows_nothing_and_the_next_run_finishes_it_once(
    app: AllyBot,
    slack: PayloadSender,
    slack_fake: SlackFake,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
):
    before = first_round(app, slack, clock)
    intros_before = len(intros_sent(slack_fake))
    status_before = slack.command("U0COLL00", "status").text
    clock.set(clock.now().replace(day=clock.now().day + 7))  # next week's period
    monkeypatch.setattr(round_writer, "CHUNK", 3)
    chunks: list[int] = []
    real_add = rounds_store.add_pending_pairs

    def dies_in_the_third_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        chunks.append(1)
        if len(chunks) == 3:
            raise Crash
        return real_add(*args, **kwargs)

    monkeypatch.setattr(rounds_store, "add_pending_pairs", dies_in_the_third_chunk)
    with pytest.raises(Crash):
        rounds.run_now(app.services, slack.team_id, None, ADMIN, dry_run=False)

    # Two chunks of three groups are stored, the third rolled back: nothing visible.
    state = round_state(app)
    assert state["incomplete"] == 1 and state["pending_pairs"] == 6 and state["held"] == 6
    assert state["held_files"] == 6  # each intro's calendar file waits with it
    for _ in range(3):  # the dispatcher, over a minute: held messages are not due
        assert drain(app.dispatcher) == 0
        clock.advance(timedelta(seconds=20))
    assert len(intros_sent(slack_fake)) == intros_before  # no introduction went out
    with app.services.db.read() as s:
        now = {u: len(store.current_pairs_of(s, slack.team_id, u)) for u in ALLIES + COLLEAGUES}
        new_pairs = s.scalars(select(Pair.id).where(Pair.status == store.PENDING)).all()
    assert now == before  # everyone's current pairing is still last week's
    assert slack.command("U0COLL00", "status").text == status_before
    for pair_id in new_pairs:  # a pending pair's number answers like any stranger's
        reply = slack.command("U0ALLY00", f"checkin {pair_id} yes").text
        assert "pair" in reply.lower() and "recorded" not in reply.lower()

    # The next run (the admin's, here) finishes it: every group once, every intro once.
    monkeypatch.setattr(rounds_store, "add_pending_pairs", real_add)
    reply = slack.command(ADMIN, "admin pair run").text
    assert "Round created" in reply
    assert "already exists" in slack.command(ADMIN, "admin pair run").text
    state = round_state(app)
    assert state == {
        "rounds": 2,
        "incomplete": 0,
        "pairs": state["pairs"],
        "pending_pairs": 0,
        "held": 0,
        "held_files": 0,
    }
    with app.services.db.read() as s:
        (second,) = s.scalars(select(PairingRound.id).order_by(PairingRound.id.desc()).limit(1))
        placed = Counter(
            s.scalars(
                select(PairParticipant.user_id)
                .join(Pair, Pair.id == PairParticipant.pair_id)
                .where(Pair.round_id == second)
            )
        )
        sat_out = set(s.scalars(select(SitOut.user_id).where(SitOut.round_id == second)))
        intro_keys = s.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("intro:%"))
        ).all()
    assert max(placed.values()) == 1  # nobody placed twice
    assert set(placed) | sat_out == set(ALLIES + COLLEAGUES) and not set(placed) & sat_out
    assert len(intro_keys) == len(set(intro_keys))
    deliver(app, clock)
    second_intros = len(intros_sent(slack_fake)) - intros_before
    with app.services.db.read() as s:
        assert second_intros == s.scalar(
            select(func.count()).select_from(Pair).where(Pair.round_id == second)
        )


def test_a_member_is_answered_between_chunks_and_sees_only_the_old_round(
    app: AllyBot,
    slack: PayloadSender,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
):
    """Each chunk is its own transaction: between two, another request writes at
    once (a held transaction would make it wait and answer "busy"), and what it
    reads is last week's round."""
    before = first_round(app, slack, clock)
    clock.set(clock.now().replace(day=clock.now().day + 7))
    monkeypatch.setattr(round_writer, "CHUNK", 2)
    seen: list[tuple[dict[str, int], str, dict[str, int]]] = []
    idle = next(u for u in ALLIES if before[u] == 0)  # sat out: pausing touches no pair

    def between_chunks(_seconds: float) -> None:
        if len(seen) >= 3:
            return
        replies: list[str] = []
        t = threading.Thread(target=lambda: replies.append(slack.command(idle, "pause").text))
        t.start()
        t.join(10)
        slack.command(idle, "resume")
        with app.services.db.read() as s:
            now = {u: len(store.current_pairs_of(s, slack.team_id, u)) for u in ALLIES + COLLEAGUES}
        seen.append((round_state(app), replies[0] if replies else "", now))

    monkeypatch.setattr(round_writer.time, "sleep", between_chunks)
    assert "Round created" in rounds.run_now(
        app.services, slack.team_id, None, ADMIN, dry_run=False
    )
    assert len(seen) == 3
    stored = [state["pending_pairs"] for state, _, _ in seen]
    assert stored == [2, 4, 6]  # a chunk committed before each pause
    for state, reply, current in seen:
        assert state["incomplete"] == 1
        assert "Paused" in reply  # not "busy": the round held no transaction open
        assert current == before
    assert round_state(app)["incomplete"] == 0


def test_a_member_who_paused_while_the_round_was_stored_is_stepped_back_when_it_completes(
    app: AllyBot,
    slack: PayloadSender,
    slack_fake: SlackFake,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
):
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    monkeypatch.setattr(round_writer, "CHUNK", 2)
    paused: list[str] = []

    def pause_one_between_chunks(_seconds: float) -> None:
        if not paused:
            with app.services.db.read() as s:
                pair_id = s.scalars(select(Pair.id).order_by(Pair.id).limit(1)).one()
                users = s.scalars(
                    select(PairParticipant.user_id).where(PairParticipant.pair_id == pair_id)
                ).all()
            paused.append(sorted(users)[0])
            assert "Paused" in slack.command(paused[0], "pause").text

    monkeypatch.setattr(round_writer.time, "sleep", pause_one_between_chunks)
    assert "Round created" in rounds.run_now(
        app.services, slack.team_id, None, ADMIN, dry_run=False
    )
    with app.services.db.read() as s:
        assert store.current_pairs_of(s, slack.team_id, paused[0]) == []
    deliver(app, clock)
    # Their buddy heard the pairing closed; nobody is left holding a live pairing with them.
    closed = [
        c
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and "isn't able to continue" in c.args.get("text", "")
    ]
    assert closed


def test_someone_forgotten_while_the_round_was_stored_leaves_no_pairing_behind(
    app: AllyBot,
    slack: PayloadSender,
    slack_fake: SlackFake,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
):
    """Their held introduction went with them; their buddy is not left in a live pair
    with nobody, nor sent an introduction naming someone who asked to be forgotten."""
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    monkeypatch.setattr(round_writer, "CHUNK", 2)
    gone: list[tuple[str, str, int]] = []

    def forget_one_between_chunks(_seconds: float) -> None:
        if gone:
            return
        with app.services.db.read() as s:
            pair_id = s.scalars(select(Pair.id).order_by(Pair.id).limit(1)).one()
            users = sorted(
                s.scalars(select(PairParticipant.user_id).where(PairParticipant.pair_id == pair_id))
            )
        assert len(users) == 2
        gone.append((users[0], users[1], pair_id))
        slack.command(users[0], "forget confirm")

    monkeypatch.setattr(round_writer.time, "sleep", forget_one_between_chunks)
    assert "Round created" in rounds.run_now(
        app.services, slack.team_id, None, ADMIN, dry_run=False
    )
    forgotten, buddy, pair_id = gone[0]
    with app.services.db.read() as s:
        assert s.get(Pair, pair_id).status == "closed"
        assert store.current_pairs_of(s, slack.team_id, buddy) == []
        assert buddy in store.sat_out_in_round(s, s.get(Pair, pair_id).round_id)  # first in line
    deliver(app, clock)
    sent = [c.args for c in slack_fake.calls("chat.postMessage") if c.ok]
    assert not any(forgotten in str(args) for args in sent)
    assert round_state(app)["incomplete"] == 0


def test_kill_9_mid_write_leaves_no_visible_half_round_and_a_rerun_completes_it(tmp_path: Path):
    """``allybot pair`` killed with SIGKILL while it stores a 3,000-member round."""
    from benchmarks.http_load import bulk_members
    from storage import migrate
    from storage.db import Database

    url = f"sqlite:///{tmp_path / 'kill.db'}"
    db = Database(url)
    migrate.upgrade(db)
    bulk_members(url, 3000)
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME")},
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "DATABASE_URL": url,
        "ALLYBOT_SECRET_KEY": "22" * 32,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bot", "pair"]

    def counts() -> tuple[int, int, int]:
        with db.read() as s:
            return (
                s.scalar(text("SELECT count(*) FROM pair")),
                s.scalar(text("SELECT count(*) FROM pairing_round WHERE completed_at IS NULL")),
                s.scalar(text("SELECT count(*) FROM outbox WHERE hold IS NULL")),
            )

    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        pairs, incomplete, _ = counts()
        if incomplete and pairs >= 200:  # at least one chunk committed, more to come
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    pairs, incomplete, unheld = counts()
    assert incomplete == 1 and 0 < pairs < 1200, (pairs, incomplete)
    assert unheld == 0  # not one introduction or sit-out note can be sent
    with db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM pair WHERE status != 'pending'")) == 0

    # The dead run's lease lapses (two minutes, here made to have passed); a rerun finishes.
    with db.transaction() as s:
        s.execute(
            text("UPDATE scheduler_lease SET lease_until = :past"),
            {"past": datetime(2000, 1, 1, tzinfo=UTC)},
        )
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "Round created" in done.stdout.decode()
    with db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM pairing_round WHERE completed_at IS NULL")) == 0
        assert s.scalar(text("SELECT count(*) FROM pair WHERE status = 'active'")) == 1200
        assert s.scalar(text("SELECT count(*) FROM outbox_hold")) == 0
        assert s.scalar(text("SELECT count(DISTINCT user_id) FROM pair_participant")) == s.scalar(
            text("SELECT count(*) FROM pair_participant")
        )
        placed = s.scalar(text("SELECT count(*) FROM pair_participant"))
        sat_out = s.scalar(text("SELECT count(*) FROM sit_out"))
        assert placed + sat_out == 3000
        intros = s.scalar(text("SELECT count(*) FROM outbox WHERE kind = 'group_dm'"))
        assert intros == 1200
    db.dispose()
