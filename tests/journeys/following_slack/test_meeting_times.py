"""Meeting times in the intro, end to end: a scheduled round's intro waits for the
group's shared working hours, suggests three slots inside everyone's hours across
three zones and a DST change, and uploads the same times as an .ics file."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.core.hours import DEFAULT_WORKING_HOURS, WorkingHours
from bot.sandbox.slackfake import Call, FakeUser, SlackFake
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_requests import SlackSender

ALLY, NEW_YORK, KOLKATA = "U0ALLY01", "U0COLL01", "U0KOLK01"
HOURS = {
    ALLY: (ZoneInfo("Europe/London"), DEFAULT_WORKING_HOURS),
    NEW_YORK: (ZoneInfo("America/New_York"), DEFAULT_WORKING_HOURS),
    KOLKATA: (ZoneInfo("Asia/Kolkata"), WorkingHours(time(12), time(21))),
}


def intros(fake: SlackFake) -> list[Call]:
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok and c.args.get("text", "").startswith("Meet your allyship buddy")
    ]


def slot_starts(call: Call) -> list[datetime]:
    text = json.dumps(call.args["blocks"])
    return [datetime.fromtimestamp(int(s), UTC) for s in re.findall(r"<!date\^(\d+)\^", text)]


def inside_everyones_hours(start: datetime) -> bool:
    minutes = [start + timedelta(minutes=m) for m in range(30)]
    return all(h.contains(at.astimezone(z)) for z, h in HOURS.values() for at in minutes)


def join_three_zones(slack: SlackSender, fake: SlackFake) -> None:
    fake.add_user(FakeUser(id=KOLKATA, tz="Asia/Kolkata"))
    assert "Welcome" in slack.command(ALLY, "join ally").text
    assert "Welcome" in slack.command(NEW_YORK, "join colleague").text
    assert "Welcome" in slack.command(KOLKATA, "join colleague").text
    assert "Saved" in slack.command(KOLKATA, "hours 12:00-21:00").text


def test_scheduled_intro_waits_for_shared_hours_and_suggests_times_inside_them(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, clock: FrozenClock
):
    join_three_zones(slack, slack_fake)
    reply = slack.command(
        ADMIN,
        "admin programme set default cadence=weekly weekday=thursday time=06:00 tz=Europe/London",
    )
    assert "Updated" in reply.text
    clock.set(datetime(2026, 3, 5, 6, 0, tzinfo=UTC))  # Thursday 06:00 in London
    assert app.scheduler.tick()["pairing-rounds"] == 1
    drain(app.dispatcher)
    assert intros(slack_fake) == []  # 01:00 in New York: nobody is introduced at night
    # London, New York (EST until 8 March) and Kolkata (12:00-21:00) first share 14:00 UTC.
    clock.set(datetime(2026, 3, 5, 13, 59, tzinfo=UTC))
    drain(app.dispatcher)
    assert intros(slack_fake) == []
    clock.set(datetime(2026, 3, 5, 14, 0, tzinfo=UTC))
    drain(app.dispatcher)
    clock.advance(timedelta(seconds=10))
    drain(app.dispatcher)
    (intro,) = intros(slack_fake)
    group = intro.args["channel"]
    opened = [c for c in slack_fake.calls("conversations.open") if c.ok and "," in c.args["users"]]
    assert {frozenset(c.args["users"].split(",")) for c in opened} == {
        frozenset({ALLY, NEW_YORK, KOLKATA})
    }
    slots = slot_starts(intro)
    assert len(slots) == 3 and slots == sorted(slots)
    assert all(inside_everyones_hours(s) for s in slots)
    assert all(clock.now() < s < clock.now() + timedelta(days=7) for s in slots)
    # One a day, and the week crosses New York's clock change (Sunday 8 March).
    assert [s.date() for s in slots] == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]
    assert "all 3 of you" in json.dumps(intro.args["blocks"])
    (upload,) = [f for f in slack_fake.uploaded_files() if f.filename.endswith(".ics")]
    assert upload.channel_id == group
    events = list(icalendar.Calendar.from_ical(upload.content).walk("VEVENT"))
    assert [e.decoded("DTSTART") for e in events] == slots
    assert slack_fake.refusals() == []


def test_a_round_run_by_hand_is_introduced_at_once(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, clock: FrozenClock
):
    join_three_zones(slack, slack_fake)
    clock.set(datetime(2026, 3, 5, 6, 0, tzinfo=UTC))  # outside New York's hours
    assert "Round created" in slack.command(ADMIN, "admin pair run").text
    drain(app.dispatcher)
    (intro,) = intros(slack_fake)
    slots = slot_starts(intro)
    assert len(slots) == 3 and all(inside_everyones_hours(s) for s in slots)
    assert slots[0] >= clock.now()


def test_zones_that_share_no_hours_are_told_so_plainly(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack_fake.add_user(FakeUser(id="U0LA0001", tz="America/Los_Angeles"))
    slack_fake.add_user(FakeUser(id="U0IN0001", tz="Asia/Kolkata"))
    slack.command("U0LA0001", "join ally")
    slack.command("U0IN0001", "join colleague")
    assert "Round created" in slack.command(ADMIN, "admin pair run").text
    drain(app.dispatcher)
    (intro,) = intros(slack_fake)
    text = json.dumps(intro.args["blocks"])
    assert "don't overlap" in text and "<!date" not in text
    assert [f for f in slack_fake.uploaded_files() if f.filename.endswith(".ics")] == []
