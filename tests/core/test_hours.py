"""Working hours: reading what people type, and where several people's hours meet,
across time zones and daylight-saving changes (checked against a brute-force oracle)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.hours import (
    DEFAULT_WORKING_HOURS,
    HoursError,
    WorkingHours,
    days_label,
    first_shared_moment,
    from_mask,
    next_working_moment,
    parse_days,
    parse_hours,
    shared_intervals,
    working_intervals,
)
from tests.support.hours_strategies import ZONES, hours, inside, instants, people

# -- reading hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:00-18:00", WorkingHours()),
        ("8:30-16:30", WorkingHours(time(8, 30), time(16, 30))),
        ("08:30 - 16:30 mon-thu", WorkingHours(time(8, 30), time(16, 30), frozenset(range(4)))),
        ("10:00 to 18:00 sun-thu", WorkingHours(time(10), time(18), frozenset({6, 0, 1, 2, 3}))),
        ("9-17 mon,wed,fri", WorkingHours(time(9), time(17), frozenset({0, 2, 4}))),
        ("07:45\u201315:15 Monday Tuesday", WorkingHours(time(7, 45), time(15, 15), {0, 1})),
        ("22:00-23:45 daily", WorkingHours(time(22), time(23, 45), frozenset(range(7)))),
        ("09:00-17:00 fri-mon", WorkingHours(time(9), time(17), frozenset({4, 5, 6, 0}))),
        ("09:00-17:00 weekdays", WorkingHours(time(9), time(17))),
        # An end before the start, in the morning, means the afternoon.
        ("9 to 5", WorkingHours(time(9), time(17))),
        ("8:30-4:30", WorkingHours(time(8, 30), time(16, 30))),
        ("10-2 mon-thu", WorkingHours(time(10), time(14), frozenset({0, 1, 2, 3}))),
    ],
)
def test_hours_people_type_are_read(typed: str, expected: WorkingHours) -> None:
    assert parse_hours(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "couldn't read those as hours"),
        ("nine to five", "couldn't read those as hours"),
        ("18:00-09:00", "end after they start"),
        ("09:00-09:00", "end after they start"),
        ("09:00-09:15", "at least half an hour"),
        ("09:10-17:00", "quarter hours"),
        ("25:00-26:00", "time of day"),
        ("09:00-17:60", "time of day"),
        ("09:00-17:00 funday", "don't know the day"),
        ("09:00-17:00 m", "don't know the day"),
        ("09:00-17:00 <!channel>", "don't know the day"),
    ],
)
def test_unusable_hours_say_what_to_type(typed: str, says: str) -> None:
    with pytest.raises(HoursError, match=says):
        parse_hours(typed)


@given(st.text(max_size=60))
def test_parsing_any_text_either_works_or_explains(typed: str) -> None:
    try:
        parsed = parse_hours(typed)
    except HoursError as exc:
        assert str(exc)
    else:
        assert parsed.start < parsed.end and parsed.days


def test_days_read_back_in_plain_words() -> None:
    assert days_label(range(5)) == "Monday to Friday"
    assert days_label({6, 0, 1, 2, 3}) == "Sunday to Thursday"
    assert days_label({0, 2, 4}) == "Monday, Wednesday and Friday"
    assert days_label({3}) == "Thursday"
    assert days_label({5, 6}) == "Saturday and Sunday"
    assert days_label(range(7)) == "every day"
    assert parse_days("") == DEFAULT_WORKING_HOURS.days
    assert WorkingHours(time(8), time(16, 30)).label() == "08:00-16:30, Monday to Friday"


def test_stored_hours_round_trip_and_bad_rows_fall_back_to_the_default() -> None:
    h = WorkingHours(time(7, 15), time(15, 45), frozenset({1, 3, 6}))
    assert from_mask("07:15", "15:45", h.mask) == h
    assert from_mask("18:00", "09:00", 31) == DEFAULT_WORKING_HOURS
    assert from_mask("09:00", "17:00", 0) == DEFAULT_WORKING_HOURS


# -- where hours meet: exact against the wall clock ------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    h=hours(),
    start=instants,
    span=st.integers(1, 9 * 24 * 60),
    probes=st.lists(st.integers(0, 10**9), max_size=20),
)
def test_working_intervals_are_exactly_the_wall_clock_hours(
    zone: ZoneInfo, h: WorkingHours, start: datetime, span: int, probes: list[int]
) -> None:
    end = start + timedelta(minutes=span)
    found = working_intervals(zone, h, start, end)
    tiny = timedelta(microseconds=1)
    for a, b in found:
        assert start <= a < b <= end
        assert inside((zone, h), a) and inside((zone, h), b - tiny)
        if a > start:
            assert not inside((zone, h), a - tiny)
        if b < end:
            assert not inside((zone, h), b)
    for a, b in itertools.pairwise(found):
        assert a[1] < b[0]  # merged: separate stretches never touch
    for probe in probes:
        at = start + (end - start) * (probe / 10**9)
        if at >= end:
            continue
        assert inside((zone, h), at) == any(a <= at < b for a, b in found)


@settings(max_examples=150, deadline=None)
@given(group=people, start=instants, probes=st.lists(st.integers(0, 10**9), max_size=30))
def test_shared_intervals_are_when_everyone_is_at_work(
    group: list[tuple[ZoneInfo, WorkingHours]], start: datetime, probes: list[int]
) -> None:
    end = start + timedelta(days=8)
    shared = shared_intervals(group, start, end)
    tiny = timedelta(microseconds=1)
    for a, b in shared:
        for person in group:
            assert inside(person, a) and inside(person, b - tiny)
    for probe in probes:
        at = start + (end - start) * (probe / 10**9)
        if at < end:
            assert all(inside(p, at) for p in group) == any(a <= at < b for a, b in shared)


@settings(max_examples=100, deadline=None)
@given(
    group=st.lists(
        st.tuples(st.sampled_from(ZONES).map(ZoneInfo), hours(quarter=True)),
        min_size=1,
        max_size=3,
    ),
    after=instants,
)
def test_first_shared_moment_is_the_first_quarter_hour_everyone_is_at_work(
    group: list[tuple[ZoneInfo, WorkingHours]], after: datetime
) -> None:
    after = after.replace(second=0, microsecond=0, minute=after.minute // 15 * 15)
    found = first_shared_moment(group, after, timedelta(days=3))
    grid = [after + timedelta(minutes=15 * k) for k in range(3 * 24 * 4)]
    expected = next((t for t in grid if all(inside(p, t) for p in group)), None)
    assert found == expected


def test_autumn_repeats_the_hour_and_spring_skips_it() -> None:
    london = ZoneInfo("Europe/London")
    night = WorkingHours(time(1), time(2), frozenset(range(7)))
    # 25 October 2026: 01:00-02:00 happens twice (BST, then GMT).
    autumn = working_intervals(
        london, night, datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 10, 25, 12, tzinfo=UTC)
    )
    assert autumn == [
        (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC))
    ]
    # 29 March 2026: 01:00-02:00 does not exist on the wall clock.
    spring = working_intervals(
        london, night, datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 3, 29, 12, tzinfo=UTC)
    )
    assert spring == []


def test_next_working_moment_is_now_inside_hours_and_the_next_start_outside() -> None:
    ny = ZoneInfo("America/New_York")
    monday_10am = datetime(2026, 3, 2, 15, tzinfo=UTC)
    assert next_working_moment(ny, DEFAULT_WORKING_HOURS, monday_10am) == monday_10am
    friday_7pm = datetime(2026, 3, 7, 0, tzinfo=UTC)  # Friday 19:00 in New York
    # The next start is Monday 09:00, after the clocks changed on Sunday 8 March (EDT).
    assert next_working_moment(ny, DEFAULT_WORKING_HOURS, friday_7pm) == datetime(
        2026, 3, 9, 13, tzinfo=UTC
    )


def test_people_who_never_overlap_share_nothing() -> None:
    kolkata = (ZoneInfo("Asia/Kolkata"), DEFAULT_WORKING_HOURS)
    la = (ZoneInfo("America/Los_Angeles"), DEFAULT_WORKING_HOURS)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    assert shared_intervals([kolkata, la], start, start + timedelta(days=14)) == []
    assert first_shared_moment([kolkata, la], start) is None


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        working_intervals(ZoneInfo("UTC"), WorkingHours(), datetime(2026, 1, 1), datetime.now(UTC))
