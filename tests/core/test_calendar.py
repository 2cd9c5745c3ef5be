"""Round and check-in timing across zones, cadences and daylight saving."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.calendar import add_working_days, latest_slot, next_slot, round_slot


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(["UTC", "Europe/London", "America/New_York", "Australia/Sydney"]),
    st.integers(0, 4),
    st.sampled_from([1, 2, 4]),
)
def test_latest_slot_is_at_local_time_on_weekday_and_not_in_future(naive, tz, weekday, cadence):
    now = naive.replace(tzinfo=UTC)
    slot = latest_slot(now, tz, weekday, "10:00", cadence)
    local = slot.astimezone(ZoneInfo(tz))
    assert slot <= now
    assert local.weekday() == weekday and (local.hour, local.minute) == (10, 0)
    assert now - slot < timedelta(weeks=cadence, hours=2)


def test_fortnightly_slots_alternate_weeks():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    slots = sorted({latest_slot(now + timedelta(weeks=k), "UTC", 0, "10:00", 2) for k in range(8)})
    assert len(slots) >= 4
    assert all(b - a == timedelta(weeks=2) for a, b in itertools.pairwise(slots))


def test_london_slot_stays_at_ten_across_dst():
    before = latest_slot(datetime(2026, 3, 27, 12, tzinfo=UTC), "Europe/London", 0, "10:00", 1)
    after = latest_slot(datetime(2026, 4, 3, 12, tzinfo=UTC), "Europe/London", 0, "10:00", 1)
    assert before.hour == 10 and after.hour == 9  # 10:00 GMT, then 10:00 BST


def test_working_days_skip_weekends():
    friday = datetime(2026, 3, 6, 10, tzinfo=UTC)
    assert add_working_days(friday, 1, "UTC").weekday() == 0
    assert add_working_days(friday, 5, "UTC") == datetime(2026, 3, 13, 10, tzinfo=UTC)


def test_working_days_backwards_undo_forwards():
    monday = datetime(2026, 3, 9, 10, tzinfo=UTC)
    assert add_working_days(monday, -1, "UTC") == datetime(2026, 3, 6, 10, tzinfo=UTC)
    assert add_working_days(add_working_days(monday, -5, "UTC"), 5, "UTC") == monday


ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Pacific/Auckland"]


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(ZONES),
    st.integers(0, 4),
    st.sampled_from([1, 2, 4]),
)
def test_next_slot_is_the_slot_after_the_latest(naive, tz, weekday, cadence):
    """next_slot and latest_slot agree: no slot lies strictly between them."""
    now = naive.replace(tzinfo=UTC)
    latest = latest_slot(now, tz, weekday, "10:00", cadence)
    upcoming = next_slot(now, tz, weekday, "10:00", cadence)
    local = upcoming.astimezone(ZoneInfo(tz))
    assert latest <= now < upcoming
    assert local.weekday() == weekday and (local.hour, local.minute) == (10, 0)
    assert next_slot(latest, tz, weekday, "10:00", cadence) == upcoming
    assert latest_slot(upcoming, tz, weekday, "10:00", cadence) == upcoming


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(ZONES),
    st.integers(0, 4),
    st.sampled_from([1, 2, 4]),
)
def test_round_slot_is_today_before_the_slot_time_else_the_latest(naive, tz, weekday, cadence):
    """The rule a manual run follows (documented on round_slot)."""
    now = naive.replace(tzinfo=UTC)
    slot = round_slot(now, tz, weekday, "10:00", cadence)
    zone = ZoneInfo(tz)
    if slot > now:
        assert slot.astimezone(zone).date() == now.astimezone(zone).date()
        assert slot == next_slot(now, tz, weekday, "10:00", cadence)
    else:
        assert slot == latest_slot(now, tz, weekday, "10:00", cadence)
        upcoming = next_slot(now, tz, weekday, "10:00", cadence)
        assert upcoming.astimezone(zone).date() != now.astimezone(zone).date()


def test_round_slot_on_the_round_day():
    # Tuesday 2026-03-03, weekly at 10:00 London (GMT in March).
    at = lambda h, m: datetime(2026, 3, 3, h, m, tzinfo=UTC)  # noqa: E731
    ten = at(10, 0)
    assert round_slot(at(8, 20), "Europe/London", 1, "10:00", 1) == ten
    assert round_slot(at(0, 1), "Europe/London", 1, "10:00", 1) == ten
    assert round_slot(at(10, 0), "Europe/London", 1, "10:00", 1) == ten
    assert round_slot(at(23, 59), "Europe/London", 1, "10:00", 1) == ten
    # The evening before belongs to last week's round.
    monday = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert round_slot(monday, "Europe/London", 1, "10:00", 1) == ten - timedelta(weeks=1)
