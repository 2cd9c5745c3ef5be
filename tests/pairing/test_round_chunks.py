"""A round is stored in short transactions: a crash midway loses nothing and stores
nothing twice, and the scheduler finishes what was left."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import AllyBot
from bot.pairing import rounds
from storage.models import OutboxMessage
from storage.pairing_models import Pair, PairingRound, PairParticipant, SitOut
from tests.journeys.test_pairing_flow import enrol
from tests.support.slack_requests import SlackSender

ALLIES = [f"U0ALLY{i:02d}" for i in range(14)]
COLLEAGUES = [f"U0COLL{i:02d}" for i in range(12)]


class Crash(Exception):
    """The process dies between two chunks."""


def counts(app: AllyBot) -> tuple[int, int, int, int]:
    with app.services.db.read() as s:
        pairs = s.scalar(select(func.count()).select_from(Pair)) or 0
        people = s.scalar(select(func.count(func.distinct(PairParticipant.user_id)))) or 0
        intros = (
            s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "group_dm")
            )
            or 0
        )
        pending = sum(1 for r in s.scalars(select(PairingRound)) if rounds.PENDING in r.report)
    return pairs, people, intros, pending


def test_a_crash_between_chunks_is_finished_by_the_scheduler_once(
    app: AllyBot, slack: SlackSender, monkeypatch: pytest.MonkeyPatch
):
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    monkeypatch.setattr(rounds, "CHUNK", 3)
    chunks_done = []

    def die_after_two(seconds: float) -> None:
        chunks_done.append(seconds)
        if len(chunks_done) == 2:
            raise Crash

    monkeypatch.setattr(rounds.time, "sleep", die_after_two)
    with pytest.raises(Crash):
        rounds.run_now(app.services, slack.team_id, None, "U0ADMIN01", dry_run=False)
    pairs, _people, intros, pending = counts(app)
    assert pairs == intros == 6 and pending == 1  # two chunks of three groups stored
    monkeypatch.setattr(rounds.time, "sleep", lambda _s: None)
    rounds.due_rounds(app.services)
    pairs, people, intros, pending = counts(app)
    assert pending == 0
    with app.services.db.read() as s:
        places = s.scalar(select(func.count()).select_from(PairParticipant))
        sat_out = s.scalar(select(func.count()).select_from(SitOut))
    assert places == people  # nobody placed twice
    assert people + sat_out == len(ALLIES) + len(COLLEAGUES)  # and nobody forgotten
    assert pairs == intros
    # Finishing again (another instance, a later tick) stores nothing more.
    with app.services.db.read() as s:
        (round_id,) = s.scalars(select(PairingRound.id)).all()
    assert rounds.write_pending(app.services, round_id) == 0
    assert counts(app) == (pairs, people, intros, 0)


def test_each_chunk_is_its_own_short_transaction(
    app: AllyBot, slack: SlackSender, monkeypatch: pytest.MonkeyPatch
):
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    monkeypatch.setattr(rounds, "CHUNK", 4)
    commits: list[int] = []
    original = app.services.db.transaction

    def counting():  # type: ignore[no-untyped-def]
        commits.append(1)
        return original()

    monkeypatch.setattr(app.services.db, "transaction", counting)
    reply = rounds.run_now(app.services, slack.team_id, None, "U0ADMIN01", dry_run=False)
    assert "Round created" in reply
    pairs, *_ = counts(app)
    # find/claim (2) + one per chunk of four groups: never one transaction for all.
    assert len(commits) >= 2 + -(-pairs // 4)
