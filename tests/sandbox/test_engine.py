"""The engine: the real app behind real signatures, the seeded cast and org chart, the
fake's rate limits, and a clock that only moves forward and runs what falls due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.sandbox import cast
from bot.sandbox.clock import SandboxClock
from bot.sandbox.engine import APP_ID, TOKEN, Sandbox
from bot.sandbox.files import SandboxFiles
from bot.sandbox.signer import Signer
from storage import pairing as pairing_store
from storage.pairing_models import OrgProfile, PairParticipant


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    engine = Sandbox(SandboxFiles(tmp_path))
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def test_the_clock_only_moves_forward_and_pacing_pauses_move_it():
    clock = SandboxClock(10.0, wall=lambda: 1_000.0)
    assert clock.now() == datetime.fromtimestamp(1_010, UTC)
    clock.sleep(1.5)
    assert clock.timestamp() == 1_011.5
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        SandboxClock(-5)


def test_requests_carry_slacks_signature_and_a_wrong_one_is_refused(sandbox: Sandbox):
    real = sandbox.sender
    assert (
        real.command(
            cast.ALEX, "alex", "status", channel_id="D1", response_url="", trigger_id="1.1.1"
        ).status
        == 200
    )
    forged = Signer(real.url.removesuffix("/slack/events"), "not-the-secret", cast.TEAM_ID, APP_ID)
    answer = forged.command(
        cast.ALEX, "alex", "join ally", channel_id="D1", response_url="", trigger_id="1.1.1"
    )
    assert answer.status == 401
    with pytest.raises(ValueError):
        Signer("http://example.org", "x", cast.TEAM_ID, APP_ID)


def test_the_org_chart_came_through_import_org_and_managers_are_never_paired(sandbox: Sandbox):
    sandbox.command(cast.ALEX, "join ally")
    sandbox.command(cast.MAYA, "join colleague")
    with sandbox.app.services.db.read() as session:
        profiles = {p.user_id: p.manager_id for p in session.scalars(select(OrgProfile))}
    assert profiles[cast.MAYA] == "U08JORDAN" and len(profiles) == len(cast.CAST)
    managers = {(p.id, p.manager) for p in cast.CAST if p.manager}
    for _ in range(2):
        sandbox.advance(sandbox.next_round_at() - sandbox.clock.now() + timedelta(minutes=1))
    with sandbox.app.services.db.read() as session:
        pairs = {}
        for row in session.scalars(select(PairParticipant)):
            pairs.setdefault(row.pair_id, set()).add(row.user_id)
        rounds = [
            r
            for p in pairing_store.programmes(session, cast.TEAM_ID)
            for r in pairing_store.recent_rounds(session, p.id, 10)
        ]
    assert len(rounds) == 2 and len(pairs) == 10
    for group in pairs.values():
        assert not any({a, b} <= group for a, b in managers), group


def test_a_round_lands_at_its_slot_and_the_intros_reach_the_pairs(sandbox: Sandbox):
    due = sandbox.next_round_at()
    assert due is not None and due > sandbox.clock.now()
    # Each pair is introduced at the first moment of the round day inside both
    # people's working hours, so the cast's zones spread the intros over the day.
    sandbox.advance(due - sandbox.clock.now() + timedelta(days=1))
    groups = [c for c in sandbox.workspace.conversations.values() if c.kind == "mpim"]
    assert len(groups) == 4  # four seeded allies, four seeded colleagues
    for group in groups:
        intro, times = group.messages
        assert "Meet your allyship buddy" in intro.text
        assert due.timestamp() <= intro.at < due.timestamp() + 24 * 3600
        assert [f["mimetype"] for f in times.files] == ["text/calendar"]
    assert sandbox.next_round_at() == due + timedelta(weeks=1)


def test_the_fake_enforces_slacks_rate_tiers_on_the_sandbox_clock(sandbox: Sandbox):
    client = WebClient(token=TOKEN, base_url=sandbox.fake.base_url)
    view = {"type": "home", "blocks": []}
    refused = 0
    for _ in range(101):
        try:
            client.views_publish(user_id=cast.ALEX, view=view)
        except SlackApiError as exc:
            assert exc.response.status_code == 429
            refused += 1
    assert refused >= 1  # Tier 4: about 100 a minute
    sandbox.clock.advance(61)
    client.views_publish(user_id=cast.ALEX, view=view)


def test_restart_keeps_people_time_and_the_key(tmp_path: Path):
    first = Sandbox(SandboxFiles(tmp_path))
    first.start()
    first.command(cast.ALEX, "join ally")
    first.advance(timedelta(days=2))
    offset = first.clock.offset
    first.stop()
    again = Sandbox(SandboxFiles(tmp_path))
    again.start()
    try:
        assert again.clock.offset >= offset
        answer = again.command(cast.ALEX, "status")
        assert "as an *ally*" in answer.body
    finally:
        again.stop()
