"""Rounds are once per period, whoever starts them, and a schedule change never starts
one at once: signed commands in, the scheduler ticked, the database and the fake read."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import AllyBot, create_app
from bot.core.calendar import latest_slot, next_slot
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.pairing import rounds
from bot.programmes.settings import next_round_line
from bot.sandbox.slackfake import SlackFake
from storage import pairing as store
from storage.models import Programme
from storage.pairing_models import PairingRound
from tests.conftest import ADMIN
from tests.journeys.test_pairing_flow import deliver, enrol
from tests.support.slack_requests import PayloadSender

ALLIES = ["U0ALLY00", "U0ALLY01"]
COLLEAGUES = ["U0COLL00", "U0COLL01"]
# START (conftest) is Monday 2026-03-02 09:00 UTC; London is on GMT until 29 March.
TUESDAY_0820 = datetime(2026, 3, 3, 8, 20, tzinfo=UTC)
TUESDAY_1000 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
WEEKLY_TUESDAY_10_LONDON = (
    "admin programme set default cadence=weekly weekday=tuesday time=10:00 tz=Europe/London"
)


def periods(app: AllyBot) -> list[str]:
    with app.services.db.read() as s:
        return list(s.scalars(select(PairingRound.period).order_by(PairingRound.id)))


def tick_rounds(bot: AllyBot) -> int:
    """What the scheduler's tick runs for rounds (the whole tick also renders digests)."""
    return int(bot.services.registry.tasks["pairing-rounds"].run(bot.services))


def intros(slack_fake: SlackFake) -> list[str]:
    return [
        c.args["channel"]
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and "Meet your allyship buddy" in c.args.get("text", "")
    ]


@pytest.fixture
def second_app(settings: Settings, clock: FrozenClock) -> Iterator[AllyBot]:
    """Another instance of the bot on the same database (as a second server would be)."""
    bot = create_app(settings, clock=clock, sleep=lambda s: None)
    yield bot
    bot.close()


def test_manual_run_at_0820_is_the_10_00_round(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    assert "Updated" in slack.command(ADMIN, WEEKLY_TUESDAY_10_LONDON).text
    clock.set(TUESDAY_0820)
    assert "Round preview" in slack.command(ADMIN, "admin pair preview").text
    assert periods(app) == []  # a preview stores nothing
    assert "Round created" in slack.command(ADMIN, "admin pair run").text
    assert periods(app) == ["2026-03-03"]
    deliver(app, clock)
    assert len(intros(slack_fake)) == 2
    clock.set(TUESDAY_1000)
    assert app.scheduler.tick()["pairing-rounds"] == 0  # the real tick finds it done
    for minutes in (1, 5, 120, 600):
        clock.set(TUESDAY_1000 + timedelta(minutes=minutes))
        assert tick_rounds(app) == 0
    assert "already exists" in slack.command(ADMIN, "admin pair run").text
    deliver(app, clock)
    assert periods(app) == ["2026-03-03"]
    assert len(intros(slack_fake)) == 2  # nobody introduced twice, no repeated pair
    # The schedule carries on: next Tuesday's slot is run by the scheduler.
    clock.set(TUESDAY_1000 + timedelta(weeks=1, seconds=30))
    assert tick_rounds(app) == 1
    assert periods(app) == ["2026-03-03", "2026-03-10"]


def test_manual_run_the_day_before_is_last_periods_round(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    """Only the round day itself counts as "today's round"; the day before, a manual
    run fills the latest period, and the scheduler still runs the next one."""
    slack.command(ADMIN, WEEKLY_TUESDAY_10_LONDON)
    clock.set(TUESDAY_0820 - timedelta(hours=12))  # Monday 20:20
    assert "Round created" in slack.command(ADMIN, "admin pair run").text
    assert periods(app) == ["2026-02-24"]
    clock.set(TUESDAY_1000 + timedelta(seconds=1))
    assert tick_rounds(app) == 1
    assert periods(app) == ["2026-02-24", "2026-03-03"]


def _token_for(slot: datetime) -> str:
    return f"<!date^{int(slot.timestamp())}^{{date_short_pretty}} at {{time}}|"


# Each base schedule has no slot in the last day at Monday 2026-03-09 09:00 UTC; each
# change moves the latest slot to earlier that same day, which would start a round.
SCHEDULE_CHANGES = [
    ("cadence=4-weekly weekday=monday time=08:00 tz=UTC", "cadence=weekly"),
    ("cadence=weekly weekday=monday time=12:00 tz=UTC", "time=08:00"),
    ("cadence=weekly weekday=tuesday time=08:00 tz=UTC", "weekday=monday"),
    ("cadence=weekly weekday=monday time=10:00 tz=UTC", "tz=Asia/Tokyo"),
]


@pytest.mark.parametrize(("base", "change"), SCHEDULE_CHANGES)
def test_schedule_change_to_a_past_hour_starts_no_round_and_says_when(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock, base: str, change: str
):
    slack.command(ADMIN, f"admin programme set default {base}")
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    assert tick_rounds(app) == 0  # the base schedule is not due
    reply = slack.command(ADMIN, f"admin programme set default {change}")
    assert "Updated" in reply.text
    with app.services.db.read() as s:
        p = store.programme_by_name(s, slack.team_id, "default")
        schedule = (p.tz, p.weekday, p.local_time, p.cadence_weeks)
    now = clock.now()
    would_have_run = latest_slot(now, *schedule)
    assert now - rounds.CATCH_UP < would_have_run < now  # the trap is real
    for minutes in (0, 1, 60):
        clock.set(now + timedelta(minutes=minutes))
        assert tick_rounds(app) == 0
    assert periods(app) == []
    expected = next_slot(now, *schedule)
    assert _token_for(expected) in reply.text, reply.text
    assert "Next round:" in reply.text and f"({schedule[0]})" in reply.text
    clock.set(expected - timedelta(seconds=1))
    assert tick_rounds(app) == 0
    clock.set(expected + timedelta(seconds=30))
    assert tick_rounds(app) == 1


def test_next_round_is_shown_in_the_programme_zone_across_dst(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    """03:00 in New York on Monday 9 March 2026 is 07:00 UTC (the clocks moved on the 8th)."""
    reply = slack.command(
        ADMIN,
        "admin programme set default cadence=weekly weekday=monday time=03:00 tz=America/New_York",
    ).text
    slot = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert "Monday 9 March 2026 at 03:00 (America/New_York)" in reply
    assert _token_for(slot) + "Mon 9 Mar 2026 03:00 America/New_York>" in reply
    # A change that leaves the schedule alone says nothing about the next round.
    assert "Next round" not in slack.command(ADMIN, "admin programme set default window=4").text
    # Setting the same schedule again is no change: a due round still runs.
    clock.set(slot + timedelta(minutes=1))
    same = "cadence=weekly weekday=monday time=03:00 tz=America/New_York"
    assert "Next round" not in slack.command(ADMIN, f"admin programme set default {same}").text
    assert tick_rounds(app) == 1


def test_next_round_skips_a_period_already_run_by_hand(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    slack.command(ADMIN, WEEKLY_TUESDAY_10_LONDON)
    clock.set(TUESDAY_0820)
    slack.command(ADMIN, "admin pair run")
    reply = slack.command(ADMIN, "admin programme set default time=11:00").text
    # Today's round is done, so the next is a week today.
    assert _token_for(datetime(2026, 3, 10, 11, 0, tzinfo=UTC)) in reply
    clock.set(datetime(2026, 3, 3, 11, 1, tzinfo=UTC))
    assert tick_rounds(app) == 0


def test_programme_created_late_on_its_round_day_waits_for_the_next_slot(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    reply = slack.command(
        ADMIN, "admin programme create late cadence=weekly weekday=monday time=08:00 tz=UTC"
    ).text
    assert "Created" in reply and _token_for(datetime(2026, 3, 9, 8, 0, tzinfo=UTC)) in reply
    assert tick_rounds(app) == 0


def test_two_instances_create_one_round_per_period(
    app: AllyBot, second_app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    slack.command(ADMIN, WEEKLY_TUESDAY_10_LONDON)
    clock.set(TUESDAY_1000 + timedelta(seconds=5))
    start = threading.Barrier(4)
    created: list[int] = []
    replies: list[str] = []

    def tick(bot: AllyBot) -> None:
        start.wait()
        created.append(rounds.due_rounds(bot.services))

    def by_hand(bot: AllyBot) -> None:
        start.wait()
        replies.append(rounds.run_now(bot.services, slack.team_id, None, ADMIN, dry_run=False))

    threads = [
        threading.Thread(target=f, args=(b,))
        for f, b in ((tick, app), (tick, second_app), (by_hand, app), (by_hand, second_app))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert periods(app) == ["2026-03-03"]
    assert sum(created) + sum("Round created" in r for r in replies) == 1
    assert len(replies) == 2
    assert all("Round created" in r or "already exists" in r for r in replies)


def test_manual_run_on_one_instance_then_tick_on_another(
    app: AllyBot, second_app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    slack.command(ADMIN, WEEKLY_TUESDAY_10_LONDON)
    clock.set(TUESDAY_0820)
    assert "Round created" in slack.command(ADMIN, "admin pair run").text
    clock.set(TUESDAY_1000 + timedelta(seconds=1))
    assert second_app.scheduler.tick()["pairing-rounds"] == 0
    assert periods(app) == ["2026-03-03"]


@pytest.mark.parametrize(("late", "runs"), [(timedelta(hours=8), 1), (timedelta(hours=25), 0)])
def test_a_missed_round_still_runs_after_a_restart_within_the_catch_up_window(
    app: AllyBot,
    slack: PayloadSender,
    settings: Settings,
    clock: FrozenClock,
    late: timedelta,
    runs: int,
):
    enrol(slack, allies=ALLIES, colleagues=COLLEAGUES)
    slack.command(ADMIN, WEEKLY_TUESDAY_10_LONDON)
    app.close()  # the bot is down over the slot
    clock.set(TUESDAY_1000 + late)
    restarted = create_app(settings, clock=clock, sleep=lambda s: None)
    try:
        assert restarted.scheduler.tick()["pairing-rounds"] == runs
        assert tick_rounds(restarted) == 0
        assert len(periods(restarted)) == runs
    finally:
        restarted.close()


def test_date_token_is_well_formed_for_slack():
    """The token Slack renders per reader: <!date^UNIX^{date_short_pretty} at {time}|fallback>."""
    programme = Programme(tz="Europe/London")
    line = next_round_line(programme, datetime(2026, 7, 7, 9, 0, tzinfo=UTC))
    token = re.search(r"<!date\^(\d+)\^([^|]+)\|([^>]+)>", line)
    assert token is not None
    assert int(token.group(1)) == int(datetime(2026, 7, 7, 9, 0, tzinfo=UTC).timestamp())
    assert token.group(2) == "{date_short_pretty} at {time}"
    assert token.group(3) == "Tue 7 Jul 2026 10:00 Europe/London"  # BST
    assert "Tuesday 7 July 2026 at 10:00 (Europe/London)" in line
    plain = next_round_line(programme, datetime(2026, 7, 7, 9, 0, tzinfo=UTC), slack=False)
    assert "<!date" not in plain and "10:00 (Europe/London)" in plain
