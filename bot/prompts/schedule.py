"""When a member's next reflection prompt is due, in their own time zone and working hours.

A member picks a cadence, a weekday and a local time of day. Everything here is
computed on the member's *local wall clock* and only then turned into a UTC
instant, because "Tuesday at 09:00" must stay 09:00 for the member across
daylight-saving changes even though its UTC instant moves by an hour.

Rules (all dates and times are the member's local ones):

* **Slots.** WEEKLY and FORTNIGHTLY use the chosen weekday; TWICE_A_WEEK uses the
  chosen weekday and the weekday three days later (Tue+Fri, Thu+Sun, ...).
* **Placing a slot into working hours.** A time before the start of working hours
  moves to the start (07:00 -> 09:00). A time at or after the end (the end is
  exclusive) moves to the start of the next working day (20:00 Tue -> 09:00 Wed).
  A slot that falls on a non-working day (e.g. Sunday) moves to the next working
  day at the same, clamped, time (Sun 10:00 -> Mon 10:00).
* **Daylight saving.** A wall time that occurs twice (autumn) means its first
  occurrence. A wall time that does not exist (spring gap) moves forward by the
  length of the gap (01:30 in a 01:00-02:00 gap becomes 02:30), which is what
  a wall clock does. If that shift (or a skipped calendar day) pushes the instant
  out of working hours, that occurrence is skipped, so a due instant is *always*
  inside working hours.
* **Spacing after the last prompt.** A due instant is strictly after
  ``last_sent_at`` and at least a minimum number of local calendar days after
  its date: 1 for TWICE_A_WEEK (never two on one day), 6 for WEEKLY and 13 for
  FORTNIGHTLY. Counting calendar days rather than hours means a prompt that went
  out late (say the bot was down) does not push the whole rhythm back, and that
  changing one's weekday straight after a prompt does not cause a second prompt
  in the same week. FORTNIGHTLY therefore means "the first chosen weekday at
  least 13 days after the last prompt", normally exactly 14 days later.
* **``after``.** The result is the earliest qualifying instant *at or after*
  ``after``. Pass the current time for "when next?"; to detect a missed prompt,
  pass ``after=last_sent_at`` and compare the answer with now.
* **Unknown time zones** (missing, misspelt or invalid) fall back to UTC rather
  than failing, so a member with an odd Slack profile still gets prompts.

Pure module: no Slack and no database imports. :class:`WorkingHours` and
:func:`member_zone` live in :mod:`bot.core.hours` (every member has their own
hours now) and are re-exported here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final

# Working hours and time zones belong to every capability; prompts read them from core.
from bot.core.hours import DEFAULT_WORKING_HOURS, WorkingHours, member_zone

__all__ = [
    "DEFAULT_WORKING_HOURS",
    "Cadence",
    "WorkingHours",
    "member_zone",
    "next_due",
    "snooze_until",
]


class Cadence(StrEnum):
    """How often a member wants a reflection prompt; values are stable for storage."""

    TWICE_A_WEEK = "twice_a_week"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    OFF = "off"


#: Days between the two weekly slots of TWICE_A_WEEK.
TWICE_A_WEEK_OFFSET_DAYS: Final = 3

#: Minimum local calendar days between two prompts, per cadence (see module docstring).
MIN_GAP_DAYS: Final[dict[Cadence, int]] = {
    Cadence.TWICE_A_WEEK: 1,
    Cadence.WEEKLY: 6,
    Cadence.FORTNIGHTLY: 13,
}

# Far more than any real schedule needs; only reached if working hours are
# impossible to satisfy on every day (which WorkingHours' validation prevents).
_MAX_SCAN_DAYS: Final = 400


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _instant(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of a local wall time; fold=0 gives the DST rules in the docstring."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _slot_weekdays(cadence: Cadence, weekday: int) -> frozenset[int]:
    if cadence is Cadence.TWICE_A_WEEK:
        return frozenset({weekday, (weekday + TWICE_A_WEEK_OFFSET_DAYS) % 7})
    return frozenset({weekday})


def next_due(
    *,
    tz: str,
    cadence: Cadence,
    weekday: int,
    local_time: time,
    last_sent_at: datetime | None,
    after: datetime,
    working_hours: WorkingHours = DEFAULT_WORKING_HOURS,
) -> datetime | None:
    """The next aware UTC instant a prompt is due, or ``None`` when the cadence is OFF.

    ``weekday`` is 0 (Monday) to 6 (Sunday) and ``local_time`` a naive wall-clock
    time in ``tz``. The result is the earliest instant that is at or after
    ``after``, strictly after ``last_sent_at``, respects the cadence's minimum
    gap, and lies inside ``working_hours`` locally. See the module docstring.
    """
    cadence = Cadence(cadence)
    if cadence is Cadence.OFF:
        return None
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
    if local_time.tzinfo is not None:
        raise ValueError("local_time is a wall-clock time in tz; give a naive time")
    _require_aware("after", after)
    zone = member_zone(tz)

    earliest_date = after.astimezone(zone).date()
    if last_sent_at is not None:
        _require_aware("last_sent_at", last_sent_at)
        gap_date = last_sent_at.astimezone(zone).date() + timedelta(days=MIN_GAP_DAYS[cadence])
        earliest_date = max(earliest_date, gap_date)

    def qualifies(instant: datetime) -> bool:
        local = instant.astimezone(zone)
        return (
            instant >= after
            and (last_sent_at is None or instant > last_sent_at)
            and local.date() >= earliest_date
            and working_hours.contains(local)
        )

    slot_days = _slot_weekdays(cadence, weekday)
    best: datetime | None = None
    stop_after: date | None = None
    # Placing a slot moves it forward by at most a week, so slots wished for
    # shortly before earliest_date can still land on or after it.
    wished = earliest_date - timedelta(days=10)
    for _ in range(_MAX_SCAN_DAYS):
        if stop_after is not None and wished > stop_after:
            break
        if wished.weekday() in slot_days:
            day, at = working_hours.place(wished, local_time)
            candidate = _instant(day, at, zone)
            if qualifies(candidate) and (best is None or candidate < best):
                best = candidate
                # Placement is monotonic except inside a DST gap, which is hours
                # long; two more days of slots settle any such tie.
                if stop_after is None:
                    stop_after = wished + timedelta(days=2)
        wished += timedelta(days=1)
    if best is None:
        raise RuntimeError("no due instant found; working hours cannot be satisfied")
    return best


def snooze_until(
    now: datetime, tz: str, working_hours: WorkingHours = DEFAULT_WORKING_HOURS
) -> datetime:
    """When to re-send a prompt the member answered with "Not now (again tomorrow)".

    The same local time on the next working day after today (local), clamped
    into working hours: before the start becomes the start, and at or after the
    end becomes the start of that next working day (it is still "tomorrow" for
    the member, rather than the day after). Returns an aware UTC instant.
    """
    _require_aware("now", now)
    zone = member_zone(tz)
    local = now.astimezone(zone)
    at = local.time()
    if at < working_hours.start or at >= working_hours.end:
        at = working_hours.start
    day = local.date()
    for _ in range(_MAX_SCAN_DAYS):
        day = working_hours.working_day_on_or_after(day + timedelta(days=1))
        candidate = _instant(day, at, zone)
        # Only a DST gap or a skipped calendar day can fail this; try the next day.
        if candidate > now and working_hours.contains(candidate.astimezone(zone)):
            return candidate
        at = working_hours.start
    raise RuntimeError("no working day found for snooze")
