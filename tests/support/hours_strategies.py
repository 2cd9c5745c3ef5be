"""Hypothesis strategies and an oracle for working hours (shared by the hours and slot tests)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from bot.core.hours import WorkingHours

ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
)
# Around the 2026 transitions (US 8 March, EU 29 March and 25 October, Sydney 5 April)
# and one year in full, so the searches cross changes often.
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)


@st.composite
def hours(draw: st.DrawFn, quarter: bool = False) -> WorkingHours:
    """Any valid hours; ``quarter`` keeps them on the quarter hour like /ally hours does."""
    step = 15 if quarter else 1
    start = draw(st.integers(0, (24 * 60 - 31) // step)) * step
    end = draw(st.integers(start // step + (30 // step), (24 * 60 - 1) // step)) * step
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return WorkingHours(time(start // 60, start % 60), time(end // 60, end % 60), days)


people = st.lists(st.tuples(st.sampled_from(ZONES).map(ZoneInfo), hours()), min_size=1, max_size=3)


def inside(person: tuple[ZoneInfo, WorkingHours], instant: datetime) -> bool:
    zone, h = person
    return h.contains(instant.astimezone(zone))
