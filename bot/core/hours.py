"""Working hours on a local wall clock, and where several people's hours meet.

Each member has their own working hours (default 09:00-18:00, Monday to Friday)
in their own Slack time zone. Prompts, nudges, introductions and meeting
suggestions all ask the same questions of them: is this instant inside someone's
hours, when does the next working moment begin, and which stretches of time are
inside *everyone's* hours at once? This module answers those questions exactly,
daylight-saving changes included, and nothing else.

Hours are read on the wall clock: an instant is inside when its local weekday is a
working day and its local time is in ``[start, end)``. Around a daylight-saving
change that can mean a shorter day (spring: the missing hour is simply absent) or
a repeated stretch (autumn: both occurrences count), which is what a wall clock
shows the member.

Pure module: no Slack and no database imports, so property tests can hammer it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.text import escape

DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Hours are set in quarter hours, like every time zone's offset, so shared stretches
#: of time always begin and end on a quarter hour.
STEP_MINUTES: Final = 15
#: A working day shorter than this leaves no room for a meeting or a prompt.
MIN_LENGTH: Final = timedelta(minutes=30)


@dataclass(frozen=True)
class WorkingHours:
    """The local times a member may be contacted: ``start`` <= time < ``end`` on ``days``.

    ``days`` uses :meth:`datetime.weekday` numbering (Monday = 0). The end is
    exclusive so that "09:00-18:00" never prompts at 18:00 sharp, when people
    are leaving.
    """

    start: time = time(9, 0)
    end: time = time(18, 0)
    days: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times; give naive times")
        if not self.start < self.end:
            raise ValueError(f"working hours must start before they end ({self.start}-{self.end})")
        days = frozenset(self.days)
        if not days:
            raise ValueError("working hours need at least one working day")
        if not days <= frozenset(range(7)):
            raise ValueError(f"working days must be 0 (Monday) to 6 (Sunday), got {sorted(days)}")
        object.__setattr__(self, "days", days)

    def contains(self, local: datetime) -> bool:
        """Whether a local wall-clock datetime is inside these working hours."""
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def working_day_on_or_after(self, day: date) -> date:
        """The first working day that is ``day`` or later."""
        while day.weekday() not in self.days:
            day += timedelta(days=1)
        return day

    def place(self, day: date, at: time) -> tuple[date, time]:
        """Move a wished-for local (day, time) into working hours.

        Before the start becomes the start; at or after the end becomes the start
        of the next working day; a non-working day moves to the next working day.
        """
        if at >= self.end:
            return self.working_day_on_or_after(day + timedelta(days=1)), self.start
        return self.working_day_on_or_after(day), max(at, self.start)

    @property
    def mask(self) -> int:
        """The working days as a bit mask, Monday = bit 0 (how they are stored)."""
        return sum(1 << d for d in self.days)

    @property
    def minutes(self) -> tuple[int, int]:
        """Start and end as minutes after local midnight (what the pairing engine takes)."""
        return self.start.hour * 60 + self.start.minute, self.end.hour * 60 + self.end.minute

    def label(self) -> str:
        """``09:00-18:00, Monday to Friday``: how a person reads their hours back."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}, {days_label(self.days)}"


DEFAULT_WORKING_HOURS: Final = WorkingHours()


@functools.lru_cache(maxsize=512)
def member_zone(tz: str | None) -> tzinfo:
    """The member's time zone, or UTC if ``tz`` is not a usable IANA zone name.

    "localtime" is refused too: it names whatever the server happens to use,
    which says nothing about the member.
    """
    if not isinstance(tz, str) or not tz or tz == "localtime":
        return UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


# -- reading and writing hours ------------------------------------------------------------


class HoursError(ValueError):
    """Hours a person typed that cannot be used; the message says what to type instead."""


_SPAN = re.compile(
    r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(?:-|\u2013|\u2014|to)\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(.*?)\s*$",
    re.IGNORECASE,
)
_EN_DASH: Final = "\u2013"
_DAY_PREFIXES: Final = tuple(name[:3].lower() for name in DAY_NAMES)
_ALL_WEEK = ("every-day", "everyday", "daily", "all-week", "7-days")
_WEEKDAYS = ("weekdays", "workdays", "mon-fri")

#: How to type hours after ``/ally hours``; added to a command's error, not a form's.
USAGE: Final = (
    "Write your hours like `/ally hours 08:30-16:30`, optionally with days: "
    "`/ally hours 10:00-18:00 mon-thu` or `/ally hours 09:00-17:00 sun-thu`."
)


def from_mask(start: str, end: str, mask: int) -> WorkingHours:
    """Hours as stored (``HH:MM`` strings and a day mask); bad rows give the default."""
    try:
        days = frozenset(d for d in range(7) if mask >> d & 1)
        return WorkingHours(_clock(start), _clock(end), days)
    except ValueError:
        return DEFAULT_WORKING_HOURS


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def _day(word: str) -> int:
    prefix = word.strip().lower()[:3]
    if prefix not in _DAY_PREFIXES or not DAY_NAMES[_DAY_PREFIXES.index(prefix)].lower().startswith(
        word.strip().lower()
    ):
        raise HoursError(
            f"I don't know the day `{escape(word[:20])}`. Days look like mon, tue ... sun, "
            "or a range like mon-fri."
        )
    return _DAY_PREFIXES.index(prefix)


def parse_days(text: str) -> frozenset[int]:
    """``mon-fri``, ``sun-thu`` (ranges may wrap), ``mon,wed,fri``, ``weekdays``, ``daily``."""
    words = [w for w in re.split(r"[\s,;/]+|\band\b", text.strip().lower()) if w]
    if not words:
        return DEFAULT_WORKING_HOURS.days
    days: set[int] = set()
    for word in words:
        if word in _ALL_WEEK:
            days.update(range(7))
        elif word in _WEEKDAYS:
            days.update(range(5))
        elif "-" in word or _EN_DASH in word:
            first, _, last = word.replace(_EN_DASH, "-").partition("-")
            a, b = _day(first), _day(last)
            days.update((a + k) % 7 for k in range((b - a) % 7 + 1))
        else:
            days.add(_day(word))
    return frozenset(days)


def _time_of(hours: str, minutes: str | None, which: str) -> time:
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise HoursError(f"The {which} time isn't a time of day; times run from 00:00 to 23:45.")
    if m % STEP_MINUTES:
        raise HoursError(
            f"Hours go in quarter hours (:00, :15, :30 or :45), so the {which} time "
            f"{h:02d}:{m:02d} can't be used."
        )
    return time(h, m)


def parse_hours(text: str) -> WorkingHours:
    """What a person typed after ``/ally hours``, or :class:`HoursError` saying what to fix."""
    match = _SPAN.match(text)
    if match is None:
        raise HoursError("I couldn't read those as hours.")
    start = _time_of(match.group(1), match.group(2), "start")
    end = _time_of(match.group(3), match.group(4), "end")
    twelve_hour_end = len(match.group(3)) == 1  # "5", "4:30"; never "09:00"
    if twelve_hour_end and end <= start < time(end.hour + 12, end.minute):
        # "9-5" and "8:30 to 4:30" mean the afternoon; the reply shows the 24-hour times.
        end = time(end.hour + 12, end.minute)
    if end <= start:
        raise HoursError(
            "Your hours need to end after they start on the same day "
            f"({start:%H:%M}-{end:%H:%M} doesn't)."
        )
    if datetime.combine(date.min, end) - datetime.combine(date.min, start) < MIN_LENGTH:
        raise HoursError("Working hours need to be at least half an hour long.")
    return WorkingHours(start, end, parse_days(match.group(5)))


def days_label(days: Iterable[int]) -> str:
    """``Monday to Friday``, ``Sunday to Thursday``, ``Monday, Wednesday and Friday``."""
    chosen = sorted(set(days))
    if len(chosen) == 7:
        return "every day"
    # A run of consecutive days (possibly wrapping past Sunday) reads as "X to Y".
    for first in chosen:
        run = [(first + k) % 7 for k in range(len(chosen))]
        if len(chosen) >= 3 and sorted(run) == chosen:
            return f"{DAY_NAMES[run[0]]} to {DAY_NAMES[run[-1]]}"
    names = [DAY_NAMES[d] for d in chosen]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- where hours meet ----------------------------------------------------------------------

#: A person, for the questions below: their time zone and working hours.
Person = tuple[tzinfo, WorkingHours]
Interval = tuple[datetime, datetime]


def _offset(zone: tzinfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _transition(zone: tzinfo, lo: datetime, hi: datetime) -> datetime:
    """The instant in ``(lo, hi]`` where the offset changes (it differs at the two ends).

    Time zone data changes offsets on whole seconds, so a search over whole seconds
    finds the exact instant.
    """
    low, high = int(lo.timestamp()), int(hi.timestamp())
    target = _offset(zone, hi)
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(zone, datetime.fromtimestamp(mid, UTC)) == target:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


def _day_intervals(zone: tzinfo, hours: WorkingHours, day: date) -> list[Interval]:
    """UTC stretches whose local wall time is inside ``hours`` on local date ``day``.

    Every instant whose local date is ``day`` lies in ``[day - 15h, day + 39h)`` UTC
    (offsets stay within -12h..+14h). Inside that span the offset changes at most
    once; on each side of the change, local time is UTC plus a constant, so the
    working stretch on that side is exact.
    """
    if day.weekday() not in hours.days:
        return []
    lo = datetime.combine(day, time.min, tzinfo=UTC) - timedelta(hours=15)
    hi = lo + timedelta(hours=54)
    pieces = [(lo, hi)]
    if _offset(zone, lo) != _offset(zone, hi):
        at = _transition(zone, lo, hi)
        pieces = [(lo, at), (at, hi)]
    wall_start = datetime.combine(day, hours.start, tzinfo=UTC)
    wall_end = datetime.combine(day, hours.end, tzinfo=UTC)
    out: list[Interval] = []
    for a, b in pieces:
        offset = _offset(zone, a)
        start, end = max(wall_start - offset, a), min(wall_end - offset, b)
        if start < end:
            out.append((start, end))
    return out


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def working_intervals(
    zone: tzinfo, hours: WorkingHours, start: datetime, end: datetime
) -> list[Interval]:
    """The stretches of ``[start, end)`` inside one person's working hours, in UTC order."""
    _require_aware(start, end)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: list[Interval] = []
    day = first
    while day <= last:
        found += _day_intervals(zone, hours, day)
        day += timedelta(days=1)
    clipped = ((max(a, start), min(b, end)) for a, b in found)
    return _merge((a, b) for a, b in clipped if a < b)


def _intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def shared_intervals(people: Sequence[Person], start: datetime, end: datetime) -> list[Interval]:
    """The stretches of ``[start, end)`` inside every person's working hours at once."""
    _require_aware(start, end)
    if not people:
        return [(start, end)] if start < end else []
    shared = working_intervals(*people[0], start, end)
    for zone, hours in people[1:]:
        if not shared:
            break
        shared = _intersect(shared, working_intervals(zone, hours, start, end))
    return shared


def first_shared_moment(
    people: Sequence[Person], after: datetime, horizon: timedelta = timedelta(days=8)
) -> datetime | None:
    """The earliest instant at or after ``after`` inside everyone's hours (None: no overlap).

    ``horizon`` bounds the search; a week and a day covers any weekly pattern.
    """
    shared = shared_intervals(people, after, after + horizon)
    return shared[0][0] if shared else None


def next_working_moment(zone: tzinfo, hours: WorkingHours, after: datetime) -> datetime:
    """``after`` itself when it is inside the person's hours, else when they next begin."""
    found = first_shared_moment([(zone, hours)], after)
    if found is None:  # unreachable with valid hours: every week has a working day
        raise RuntimeError("no working moment within a week")
    return found


def _require_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("give timezone-aware datetimes")
