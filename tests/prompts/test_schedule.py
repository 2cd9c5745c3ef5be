"""Tests for prompt scheduling: working hours, cadences and daylight-saving changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.prompts.schedule import (
    DEFAULT_WORKING_HOURS,
    MIN_GAP_DAYS,
    Cadence,
    WorkingHours,
    member_zone,
    next_due,
    snooze_until,
)
from tests.support.helpers import in_working_hours

LONDON = "Europe/London"
DST_ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")
# Half-hour and 45-minute offsets, a southern-hemisphere zone, no-DST zones, a zone that
# skipped a whole day, and nonsense that must fall back to UTC.
ZONES = (
    *DST_ZONES,
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
    "Pacific/Apia",
    "UTC",
    "Not/AZone",
    "",
)
ACTIVE = (Cadence.TWICE_A_WEEK, Cadence.WEEKLY, Cadence.FORTNIGHTLY)

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
wall_times = st.times()  # naive


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    start = draw(st.times(max_value=time(22, 0)))
    end = draw(st.times(min_value=(datetime.combine(date.min, start) + timedelta(hours=1)).time()))
    days = draw(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
    return WorkingHours(start=start, end=end, days=days)


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def weekly_series(tz: str, weekday: int, at: time, start: datetime, count: int) -> list[datetime]:
    """Due instants as the scheduler would produce them, sending each one on time."""
    dues: list[datetime] = []
    last: datetime | None = None
    after = start
    for _ in range(count):
        due = next_due(
            tz=tz,
            cadence=Cadence.WEEKLY,
            weekday=weekday,
            local_time=at,
            last_sent_at=last,
            after=after,
        )
        assert due is not None
        dues.append(due)
        last = after = due
    return dues


# --- properties ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    cadence=st.sampled_from(ACTIVE),
    weekday=st.integers(min_value=0, max_value=6),
    at=wall_times,
    after=instants,
    last_offset=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    hours=st.just(DEFAULT_WORKING_HOURS) | working_hours(),
)
def test_next_due_is_aware_utc_in_working_hours_and_not_early(
    tz: str,
    cadence: Cadence,
    weekday: int,
    at: time,
    after: datetime,
    last_offset: timedelta | None,
    hours: WorkingHours,
) -> None:
    last = None if last_offset is None else after - last_offset
    due = next_due(
        tz=tz,
        cadence=cadence,
        weekday=weekday,
        local_time=at,
        last_sent_at=last,
        after=after,
        working_hours=hours,
    )
    assert due is not None
    assert due.tzinfo is UTC
    assert due >= after
    assert in_working_hours(due, tz, hours)
    zone = member_zone(tz)
    assert hours.contains(due.astimezone(zone))
    if last is not None:
        assert due > last
        gap = due.astimezone(zone).date() - last.astimezone(zone).date()
        assert gap >= timedelta(days=MIN_GAP_DAYS[cadence])
    # Never pushed out further than the gap, a week to the slot's weekday, a week of
    # placement and one occurrence skipped for a DST oddity.
    bound = timedelta(days=MIN_GAP_DAYS[cadence] + 7 + 8 + 7)
    assert due - max(after, last or after) < bound


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from(DST_ZONES),
    weekday=st.integers(min_value=0, max_value=6),
    at=wall_times,
    start=instants,
)
def test_weekly_gives_exactly_one_prompt_per_week_for_sixty_weeks(
    tz: str, weekday: int, at: time, start: datetime
) -> None:
    dues = weekly_series(tz, weekday, at, start, 60)
    local_dues = [local(d, tz) for d in dues]
    # Same local wall-clock time every week, whatever DST did to the UTC instant.
    assert len({d.time() for d in local_dues}) == 1
    assert len({d.weekday() for d in local_dues}) == 1
    for earlier, later in itertools.pairwise(local_dues):
        assert later.date() - earlier.date() == timedelta(days=7)
    weeks = [d.isocalendar()[:2] for d in local_dues]
    assert len(set(weeks)) == 60
    # 60 weeks always span both DST transitions of the year.
    assert len({d.utcoffset() for d in local_dues}) == 2


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from(DST_ZONES),
    weekday=st.integers(min_value=0, max_value=6),
    at=wall_times,
    start=instants,
)
def test_twice_a_week_gives_two_per_week_and_fortnightly_every_fourteen_days(
    tz: str, weekday: int, at: time, start: datetime
) -> None:
    for cadence, count in ((Cadence.TWICE_A_WEEK, 40), (Cadence.FORTNIGHTLY, 26)):
        last: datetime | None = None
        after = start
        dues: list[datetime] = []
        for _ in range(count):
            due = next_due(
                tz=tz,
                cadence=cadence,
                weekday=weekday,
                local_time=at,
                last_sent_at=last,
                after=after,
            )
            assert due is not None
            dues.append(due)
            last = after = due
        days = [local(d, tz).date() for d in dues]
        if cadence is Cadence.FORTNIGHTLY:
            assert all(b - a == timedelta(days=14) for a, b in itertools.pairwise(days))
        else:
            per_week: dict[tuple[int, int], int] = {}
            for day in days:
                key = tuple(day.isocalendar()[:2])
                per_week[key] = per_week.get(key, 0) + 1
            inner = list(per_week.values())[1:-1]  # first and last weeks may be partial
            assert inner and all(n == 2 for n in inner)


@settings(max_examples=200, deadline=None)
@given(
    now=instants, tz=st.sampled_from(ZONES), hours=st.just(DEFAULT_WORKING_HOURS) | working_hours()
)
def test_snooze_is_the_next_working_day_inside_working_hours(
    now: datetime, tz: str, hours: WorkingHours
) -> None:
    until = snooze_until(now, tz, hours)
    assert until.tzinfo is UTC
    assert until > now
    assert in_working_hours(until, tz, hours)
    zone = member_zone(tz)
    today = now.astimezone(zone).date()
    landed = until.astimezone(zone)
    # Never today, and no working day is skipped (DST oddities may cost one extra day).
    assert landed.date() > today
    skipped = [
        today + timedelta(days=n)
        for n in range(1, (landed.date() - today).days)
        if (today + timedelta(days=n)).weekday() in hours.days
    ]
    assert len(skipped) <= 1


# --- concrete behaviour --------------------------------------------------------------


def test_off_is_never_due() -> None:
    assert (
        next_due(
            tz=LONDON,
            cadence=Cadence.OFF,
            weekday=1,
            local_time=time(9),
            last_sent_at=None,
            after=utc(2024, 3, 1),
        )
        is None
    )


def test_cadence_accepts_its_stored_string_value() -> None:
    due = next_due(
        tz=LONDON,
        cadence="weekly",  # type: ignore[arg-type]
        weekday=1,
        local_time=time(10),
        last_sent_at=None,
        after=utc(2024, 1, 1),
    )
    assert due == utc(2024, 1, 2, 10)


def test_london_nine_o_clock_stays_nine_across_both_transitions() -> None:
    # Mondays around 31 March and 27 October 2024.
    spring = weekly_series(LONDON, 0, time(9), utc(2024, 3, 20), 3)
    assert spring == [utc(2024, 3, 25, 9), utc(2024, 4, 1, 8), utc(2024, 4, 8, 8)]
    autumn = weekly_series(LONDON, 0, time(9), utc(2024, 10, 20), 3)
    assert autumn == [utc(2024, 10, 21, 8), utc(2024, 10, 28, 9), utc(2024, 11, 4, 9)]
    assert {local(d, LONDON).time() for d in spring + autumn} == {time(9)}


def test_after_is_inclusive_and_last_sent_is_exclusive() -> None:
    slot = utc(2024, 1, 2, 10)  # Tuesday 10:00 London (GMT)
    common = {"tz": LONDON, "cadence": Cadence.WEEKLY, "weekday": 1, "local_time": time(10)}
    assert next_due(**common, last_sent_at=None, after=slot) == slot
    assert next_due(**common, last_sent_at=slot, after=slot) == slot + timedelta(days=7)


@pytest.mark.parametrize(
    ("weekday", "at", "expected"),
    [
        (1, time(7, 0), utc(2024, 1, 2, 9)),  # early -> start of working hours
        (1, time(20, 0), utc(2024, 1, 3, 9)),  # late Tuesday -> Wednesday 09:00
        (1, time(18, 0), utc(2024, 1, 3, 9)),  # the end of working hours is exclusive
        (1, time(17, 59), utc(2024, 1, 2, 17, 59)),
        (5, time(11, 30), utc(2024, 1, 8, 11, 30)),  # Saturday -> Monday, same time
        (6, time(20, 0), utc(2024, 1, 8, 9)),  # Sunday evening -> Monday 09:00
        (4, time(20, 0), utc(2024, 1, 8, 9)),  # Friday evening -> Monday 09:00
    ],
)
def test_wished_times_are_clamped_into_working_hours(
    weekday: int, at: time, expected: datetime
) -> None:
    due = next_due(
        tz=LONDON,
        cadence=Cadence.WEEKLY,
        weekday=weekday,
        local_time=at,
        last_sent_at=None,
        after=utc(2024, 1, 2),  # Tuesday 00:00, so last week's weekend slots are past
    )
    assert due == expected


@pytest.mark.parametrize(
    ("weekday", "expected_weekdays"),
    [(1, [1, 4]), (3, [0, 3]), (4, [0, 4]), (5, [0, 1]), (6, [0, 2])],
)
def test_twice_a_week_uses_the_weekday_and_three_days_later(
    weekday: int, expected_weekdays: list[int]
) -> None:
    last: datetime | None = None
    after = utc(2024, 5, 6)
    seen = []
    for _ in range(4):
        due = next_due(
            tz=LONDON,
            cadence=Cadence.TWICE_A_WEEK,
            weekday=weekday,
            local_time=time(10),
            last_sent_at=last,
            after=after,
        )
        assert due is not None
        seen.append(local(due, LONDON).weekday())
        last = after = due
    assert sorted(set(seen)) == expected_weekdays


def test_fortnightly_counts_thirteen_calendar_days_from_a_late_send() -> None:
    common = {"tz": LONDON, "cadence": Cadence.FORTNIGHTLY, "weekday": 1, "local_time": time(9)}
    # Sent on time (Tue 7 May) -> Tue 21 May; sent a day late (Wed 8 May) -> still Tue 21 May.
    on_time = utc(2024, 5, 7, 8)
    assert next_due(**common, last_sent_at=on_time, after=on_time) == utc(2024, 5, 21, 8)
    late = utc(2024, 5, 8, 15)
    assert next_due(**common, last_sent_at=late, after=late) == utc(2024, 5, 21, 8)
    # Sent two days late (Thu 9 May) -> 13 days reaches Wed 22 May, so Tue 28 May.
    later = utc(2024, 5, 9, 15)
    assert next_due(**common, last_sent_at=later, after=later) == utc(2024, 5, 28, 8)


def test_weekly_after_a_weekday_change_waits_most_of_a_week() -> None:
    sent_tuesday = utc(2024, 5, 7, 8)
    due = next_due(
        tz=LONDON,
        cadence=Cadence.WEEKLY,
        weekday=2,  # switched to Wednesday right after Tuesday's prompt
        local_time=time(9),
        last_sent_at=sent_tuesday,
        after=sent_tuesday,
    )
    assert due == utc(2024, 5, 15, 8)


ALL_DAY_EVERY_DAY = WorkingHours(start=time(0), end=time(23, 59), days=frozenset(range(7)))


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    # 01:30 on Sunday 31 March 2024 does not exist in London; clocks jump 01:00 -> 02:00.
    due = next_due(
        tz=LONDON,
        cadence=Cadence.WEEKLY,
        weekday=6,
        local_time=time(1, 30),
        last_sent_at=None,
        after=utc(2024, 3, 30),
        working_hours=ALL_DAY_EVERY_DAY,
    )
    assert due == utc(2024, 3, 31, 1, 30)
    assert local(due, LONDON).time() == time(2, 30)


def test_ambiguous_local_time_takes_the_first_occurrence() -> None:
    # 01:30 on Sunday 27 October 2024 happens twice in London: BST first, then GMT.
    due = next_due(
        tz=LONDON,
        cadence=Cadence.WEEKLY,
        weekday=6,
        local_time=time(1, 30),
        last_sent_at=None,
        after=utc(2024, 10, 26),
        working_hours=ALL_DAY_EVERY_DAY,
    )
    assert due == utc(2024, 10, 27, 0, 30)


def test_gap_that_leaves_working_hours_skips_to_the_next_occurrence() -> None:
    hours = WorkingHours(start=time(1, 0), end=time(2, 15), days=frozenset({6}))
    due = next_due(
        tz=LONDON,
        cadence=Cadence.WEEKLY,
        weekday=6,
        local_time=time(1, 30),
        last_sent_at=None,
        after=utc(2024, 3, 30),
        working_hours=hours,
    )
    assert due == utc(2024, 4, 7, 0, 30)  # 01:30 BST the following Sunday


def test_skipped_calendar_day_moves_to_the_next_occurrence() -> None:
    # Samoa skipped Friday 30 December 2011 entirely.
    due = next_due(
        tz="Pacific/Apia",
        cadence=Cadence.WEEKLY,
        weekday=4,
        local_time=time(9),
        last_sent_at=None,
        after=utc(2011, 12, 27),
    )
    assert due is not None
    assert local(due, "Pacific/Apia").date() == date(2012, 1, 6)
    assert local(due, "Pacific/Apia").time() == time(9)


@pytest.mark.parametrize("tz", ["Not/AZone", "", "../etc/passwd", "America", "localtime"])
def test_unknown_time_zone_falls_back_to_utc(tz: str) -> None:
    assert member_zone(tz) is UTC
    due = next_due(
        tz=tz,
        cadence=Cadence.WEEKLY,
        weekday=0,
        local_time=time(9),
        last_sent_at=None,
        after=utc(2024, 7, 1, 10),
    )
    assert due == utc(2024, 7, 8, 9)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2024, 1, 2, 10, 15), utc(2024, 1, 3, 10, 15)),  # Tuesday -> Wednesday
        (utc(2024, 1, 5, 10, 15), utc(2024, 1, 8, 10, 15)),  # Friday -> Monday
        (utc(2024, 1, 6, 10, 15), utc(2024, 1, 8, 10, 15)),  # Saturday -> Monday
        (utc(2024, 1, 2, 7, 0), utc(2024, 1, 3, 9, 0)),  # early -> start of hours
        (utc(2024, 1, 2, 20, 0), utc(2024, 1, 3, 9, 0)),  # late -> start of hours
        (utc(2024, 3, 29, 10, 0), utc(2024, 4, 1, 9, 0)),  # 10:00 GMT -> 10:00 BST
    ],
)
def test_snooze_examples(now: datetime, expected: datetime) -> None:
    assert snooze_until(now, LONDON) == expected


def test_snooze_in_sydney_uses_the_members_own_day() -> None:
    # 23:00 UTC Monday is 10:00 Tuesday in Sydney (AEDT): snooze to Wednesday 10:00 there.
    until = snooze_until(utc(2024, 1, 1, 23), "Australia/Sydney")
    assert local(until, "Australia/Sydney") == datetime(
        2024, 1, 3, 10, tzinfo=ZoneInfo("Australia/Sydney")
    )


def test_in_working_hours_uses_local_time() -> None:
    assert in_working_hours(utc(2024, 1, 2, 9), LONDON)
    assert not in_working_hours(utc(2024, 1, 2, 18), LONDON)
    assert not in_working_hours(utc(2024, 1, 6, 12), LONDON)  # Saturday
    # 14:00 UTC is 09:00 in New York in winter, 08:00 is not yet working time there.
    assert in_working_hours(utc(2024, 1, 2, 14), "America/New_York")
    assert not in_working_hours(utc(2024, 1, 2, 13), "America/New_York")


def test_naive_datetimes_and_bad_arguments_are_rejected() -> None:
    naive = datetime(2024, 1, 2, 9)
    with pytest.raises(ValueError, match="aware"):
        snooze_until(naive, LONDON)
    common = {"tz": LONDON, "cadence": Cadence.WEEKLY, "last_sent_at": None}
    with pytest.raises(ValueError, match="aware"):
        next_due(**common, weekday=0, local_time=time(9), after=naive)
    with pytest.raises(ValueError, match="weekday"):
        next_due(**common, weekday=7, local_time=time(9), after=utc(2024, 1, 1))
    with pytest.raises(ValueError, match="naive time"):
        next_due(**common, weekday=0, local_time=time(9, tzinfo=UTC), after=utc(2024, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        next_due(
            tz=LONDON,
            cadence=Cadence.WEEKLY,
            weekday=0,
            local_time=time(9),
            last_sent_at=naive,
            after=utc(2024, 1, 1),
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": time(18), "end": time(9)}, "start before"),
        ({"start": time(9), "end": time(9)}, "start before"),
        ({"days": frozenset()}, "at least one"),
        ({"days": frozenset({7})}, "0 \\(Monday\\) to 6"),
        ({"start": time(9, tzinfo=UTC)}, "naive"),
    ],
)
def test_working_hours_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingHours(**kwargs)  # type: ignore[arg-type]


def test_default_working_hours_are_nine_to_six_on_weekdays() -> None:
    assert WorkingHours(time(9), time(18), frozenset(range(5))) == DEFAULT_WORKING_HOURS
