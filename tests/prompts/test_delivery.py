"""Prompt delivery at scale and under failure, driven by the scheduler and a moved clock."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import AllyBot, create_app
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.prompts import service as prompts
from bot.sandbox.slackfake import FakeUser, SlackFake
from storage import members as members_store
from storage import outbox as outbox_store
from storage.db import Database
from storage.models import Member
from storage.prompt_models import PromptDelivery
from tests.support.helpers import drain, status_counts

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata"]


def add_members(db: Database, n: int, now: datetime, paused_every: int = 0) -> None:
    with db.transaction() as s:
        members_store.ensure_workspace(s, "T0ALLYBOT", now)
        programme = members_store.default_programme_id(s, "T0ALLYBOT")
        for i in range(n):
            m = Member(
                team_id="T0ALLYBOT",
                user_id=f"U{i:06d}",
                role="ally" if i % 2 else "colleague",
                status="active",
                tz=ZONES[i % 3],
                tz_offset_seconds=0,
                joined_at=now,
            )
            s.add(m)
            s.flush()
            members_store.enrol(s, programme, m.id, now)
            prompts.on_member_changed(s, m, now)
            if paused_every and i % paused_every == 0:
                m.status = "paused"


def test_thousand_members_four_weeks_across_dst(tmp_path, slack_fake: SlackFake):
    """1,000 members in three zones (London changes clocks on 29 March) for four weeks:
    one prompt a week each, Tuesday 10:00 local within a tick, never outside working
    hours, never while paused, no repeats."""
    from storage import migrate

    url = f"sqlite:///{tmp_path / 'sim.db'}"
    migrate.upgrade(Database(url))
    start = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    clock = FrozenClock(start)
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="s",
        slack_api_url=slack_fake.base_url,
        database_url=url,
        tick_seconds=900,
        secret_key="22" * 32,
    )
    app = create_app(settings, clock=clock)
    try:
        add_members(app.services.db, 1000, start, paused_every=10)
        tick = timedelta(minutes=15)
        while clock.now() < start + timedelta(weeks=4):
            clock.advance(tick)
            prompts.deliver_due(app.services)  # the scheduler's "prompts" task
        with app.services.db.read() as s:
            rows = list(
                s.query(PromptDelivery.member_id, PromptDelivery.prompt_id, PromptDelivery.sent_at)
            )
            members = {m.id: m for m in s.query(Member)}
            owed = outbox_store.rows(s)
    finally:
        app.close()
    per_member: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for member_id, prompt_id, sent_at in rows:
        per_member[member_id].append((sent_at, prompt_id))
    active = [m for m in members.values() if m.status == "active"]
    assert len(active) == 900
    assert all(m.status == "paused" for m in members.values() if m.id not in per_member)
    for member in active:
        sends = sorted(per_member[member.id])
        assert len(sends) == 4, member.user_id
        zone = ZoneInfo(member.tz)
        for sent_at, _ in sends:
            local = sent_at.astimezone(zone)
            assert local.weekday() == 1, (member.tz, local)
            assert local.hour == 10 and local.minute < 15, (member.tz, local)
        assert len({p for _, p in sends}) == 4  # no repeats
    prompt_rows = [r for r in owed if (r.dedupe_key or "").startswith("prompt:")]
    assert len(prompt_rows) == 3600 == len({r.dedupe_key for r in prompt_rows})


def test_restart_and_429s_lose_and_duplicate_nothing(
    settings: Settings, app: AllyBot, slack_fake: SlackFake, clock: FrozenClock
):
    for i in range(30):  # the strict fake only DMs people the workspace knows
        slack_fake.add_user(FakeUser(id=f"U{i:06d}", tz=ZONES[i % 3]))
    add_members(app.services.db, 30, clock.now())
    slack_fake.fail_every("chat.postMessage", 3, status=429, retry_after=0)
    end = clock.now() + timedelta(weeks=2)
    restarted = False
    bot = app
    while clock.now() < end:
        clock.advance(timedelta(minutes=30))
        prompts.deliver_due(bot.services)  # the scheduler's "prompts" task
        bot.dispatcher.run_once()
        if not restarted and clock.now() >= end - timedelta(weeks=1, days=2):
            bot = create_app(settings, clock=clock, instance="after-restart")
            restarted = True
    for _ in range(200):
        clock.advance(timedelta(seconds=5))
        drain(bot.dispatcher)
        with bot.services.db.read() as s:
            if status_counts(s).get("pending", 0) == 0:
                break
    bot.close()
    delivered = Counter(c.args["channel"] for c in slack_fake.calls("chat.postMessage") if c.ok)
    assert len(delivered) == 30
    assert set(delivered.values()) == {2}  # one a week each, none lost, none twice
    assert any(c.status == 429 for c in slack_fake.calls("chat.postMessage"))
