"""When pairing rounds and check-ins fall due: pure calendar arithmetic.

A programme introduces pairs on one weekday at one local time, every 1, 2 or 4
weeks. Weeks are counted from a fixed Monday so that every instance (and every
restart) agrees on which weeks are round weeks.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH_MONDAY = date(2024, 1, 1)  # a Monday
#: ASCII digits only: ``str.isdigit()`` would let ``²`` through to ``int()``.
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def zone(tz: str) -> ZoneInfo:
    if not isinstance(tz, str) or not 0 < len(tz) <= 64:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def parse_local_time(text: str) -> time:
    """``HH:MM`` to a time; raises ValueError for anything else."""
    match = _HHMM.fullmatch(text)
    if match is None:
        raise ValueError("not a HH:MM time")
    return time(int(match.group(1)), int(match.group(2)))


def _is_round_week(day: date, cadence_weeks: int) -> bool:
    return ((day - _EPOCH_MONDAY).days // 7) % cadence_weeks == 0


def latest_slot(
    now: datetime, tz: str, weekday: int, local_time: str, cadence_weeks: int
) -> datetime:
    """The most recent scheduled round instant at or before ``now`` (aware UTC)."""
    zone_ = zone(tz)
    at = parse_local_time(local_time)
    local_now = now.astimezone(zone_)
    day = local_now.date() - timedelta(days=(local_now.weekday() - weekday) % 7)
    for _ in range(cadence_weeks * 2 + 2):
        candidate = datetime.combine(day, at, tzinfo=zone_)
        if candidate <= local_now and _is_round_week(day, cadence_weeks):
            return candidate.astimezone(UTC)
        day -= timedelta(days=7)
    raise AssertionError("unreachable: a round week occurs within every cadence")


def next_slot(
    after: datetime, tz: str, weekday: int, local_time: str, cadence_weeks: int
) -> datetime:
    """The first scheduled round instant strictly after ``after`` (aware UTC)."""
    zone_ = zone(tz)
    at = parse_local_time(local_time)
    local_after = after.astimezone(zone_)
    day = local_after.date() + timedelta(days=(weekday - local_after.weekday()) % 7)
    for _ in range(cadence_weeks * 2 + 2):
        candidate = datetime.combine(day, at, tzinfo=zone_)
        if candidate > local_after and _is_round_week(day, cadence_weeks):
            return candidate.astimezone(UTC)
        day += timedelta(days=7)
    raise AssertionError("unreachable: a round week occurs within every cadence")


def round_slot(
    now: datetime, tz: str, weekday: int, local_time: str, cadence_weeks: int
) -> datetime:
    """The slot a round started by hand at ``now`` fills (aware UTC).

    The rule: on a round day, in the programme's time zone, a round started before
    the slot's time IS that day's round (an admin running it at 08:20 for a 10:00
    slot expects the 10:00 tick to find it done). On any other day it is the round
    of the latest slot already passed, as the scheduler would have run it.
    """
    upcoming = next_slot(now, tz, weekday, local_time, cadence_weeks)
    zone_ = zone(tz)
    if upcoming.astimezone(zone_).date() == now.astimezone(zone_).date():
        return upcoming
    return latest_slot(now, tz, weekday, local_time, cadence_weeks)


def period_key(slot: datetime) -> str:
    """A pairing round's period: the (UTC) date of its slot, whoever starts the round."""
    return slot.date().isoformat()


def add_working_days(start: datetime, days: int, tz: str) -> datetime:
    """``start`` moved by ``days`` Monday-to-Friday days (negative: backwards), local time."""
    zone_ = zone(tz)
    local = start.astimezone(zone_)
    step = timedelta(days=1 if days >= 0 else -1)
    moved = 0
    while moved < abs(days):
        local = local + step
        if local.weekday() < 5:
            moved += 1
    return datetime.combine(local.date(), local.time(), tzinfo=zone_).astimezone(UTC)
