"""Meeting slots: never outside anyone's hours, across three zones and a DST change."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.hours import DEFAULT_WORKING_HOURS, WorkingHours
from bot.pairing.slots import SLOT, SPACING, suggest
from tests.support.hours_strategies import ZONES, hours, inside, instants

Person = tuple[ZoneInfo, WorkingHours]
quarter_people = st.lists(
    st.tuples(st.sampled_from(ZONES).map(ZoneInfo), hours(quarter=True)), min_size=1, max_size=3
)


def whole_slot_inside(person: Person, start: datetime) -> bool:
    """Every minute of the half hour (and its last microsecond) on the wall clock."""
    probes = [start + timedelta(minutes=m) for m in range(30)]
    probes.append(start + SLOT - timedelta(microseconds=1))
    return all(inside(person, at) for at in probes)


@settings(max_examples=100, deadline=None)
@given(group=quarter_people, start=instants, days=st.integers(1, 8))
def test_slots_are_never_outside_anyones_hours(
    group: list[Person], start: datetime, days: int
) -> None:
    end = start + timedelta(days=days)
    slots = suggest(group, start, end)
    assert len(slots) <= 3 and slots == sorted(slots)
    for a, b in itertools.pairwise(slots):
        assert b - a >= SLOT  # no two suggestions overlap
    for slot in slots:
        assert start <= slot and slot + SLOT <= end
        assert slot.minute % 15 == 0 and slot.second == slot.microsecond == 0
        for person in group:
            assert whole_slot_inside(person, slot)
    # Completeness on the quarter-hour grid: when any half hour is shared, we say so.
    at = start.replace(minute=start.minute // 15 * 15, second=0, microsecond=0)
    if at < start:
        at += timedelta(minutes=15)
    possible = []
    while at + SLOT <= end:
        if all(whole_slot_inside(p, at) for p in group):
            possible.append(at)
            if len(possible) > 2:
                break
        at += timedelta(minutes=15)
    assert bool(slots) == bool(possible)


def test_three_zones_across_the_european_clock_change() -> None:
    """New York, London and Kolkata in the week the UK springs forward (29 March 2026)."""
    ny, london, kolkata = (
        ZoneInfo(z) for z in ("America/New_York", "Europe/London", "Asia/Kolkata")
    )
    group = [
        (ny, DEFAULT_WORKING_HOURS),
        (london, DEFAULT_WORKING_HOURS),
        (kolkata, WorkingHours(time(9), time(20))),
    ]
    start = datetime(2026, 3, 26, 12, tzinfo=UTC)  # Thursday
    slots = suggest(group, start, start + timedelta(days=7))
    assert len(slots) == 3
    for slot in slots:
        for person in group:
            assert whole_slot_inside(person, slot)
    # Before the change London is UTC+0, after it UTC+1: the shared stretch moves an hour
    # earlier in UTC (New York 09:00 EDT = 13:00 UTC to Kolkata 20:00 = 14:30 UTC).
    by_day = {s.astimezone(london).date(): s for s in slots}
    assert set(by_day) == {datetime(2026, 3, d).date() for d in (26, 27, 30)}
    assert by_day[datetime(2026, 3, 26).date()] == datetime(2026, 3, 26, 13, 30, tzinfo=UTC)
    assert by_day[datetime(2026, 3, 30).date()] == datetime(2026, 3, 30, 13, 30, tzinfo=UTC)
    assert by_day[datetime(2026, 3, 30).date()].astimezone(london).hour == 14  # BST now


def test_extra_slots_come_from_the_same_day_an_hour_apart() -> None:
    london = ZoneInfo("Europe/London")
    only_monday = WorkingHours(time(9), time(13), frozenset({0}))
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)  # Monday morning
    slots = suggest(
        [(london, only_monday), (london, DEFAULT_WORKING_HOURS)], start, start + timedelta(days=7)
    )
    assert len(slots) == 3
    assert all(s.date() == start.date() for s in slots)
    for a, b in itertools.pairwise(slots):
        assert b - a >= SPACING


def test_no_shared_hours_means_no_slots() -> None:
    kolkata = (ZoneInfo("Asia/Kolkata"), DEFAULT_WORKING_HOURS)
    la = (ZoneInfo("America/Los_Angeles"), DEFAULT_WORKING_HOURS)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    assert suggest([kolkata, la], start, start + timedelta(days=7)) == []
    assert suggest([kolkata], start, start + timedelta(days=7), count=0) == []
