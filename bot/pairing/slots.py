"""Meeting slots for a pair (or trio): 30 minutes inside everyone's working hours.

An introduction suggests three times in the coming week when the people it
introduces are all at work, so nobody has to do time-zone arithmetic or offer
an evening. Slots start on the quarter hour in UTC; every zone's offset and every
member's hours are whole quarter hours, so that grid misses no shared half hour.

Choosing among the possible slots: one per shared stretch of time (usually one per
day) while there are stretches left, each near the middle of its stretch rather
than at the first minute of someone's day, on the half hour when the stretch
allows it; when the week has fewer shared stretches than slots wanted, more slots
are taken from the same stretches, at least an hour from those already chosen.

Pure module: no Slack and no database imports; see :mod:`bot.core.hours` for how
working hours are read across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.core.hours import Interval, Person, shared_intervals

SLOT: Final = timedelta(minutes=30)
GRID: Final = timedelta(minutes=15)
#: Extra slots taken from an already used stretch keep at least this far apart.
SPACING: Final = timedelta(hours=1)
_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


def _ceil(instant: datetime, step: timedelta) -> datetime:
    remainder = (instant - _EPOCH) % step
    return instant if not remainder else instant + (step - remainder)


def _starts(interval: Interval) -> list[datetime]:
    """Every quarter-hour start whose whole slot fits inside ``interval``."""
    start, end = interval
    out: list[datetime] = []
    at = _ceil(start, GRID)
    while at + SLOT <= end:
        out.append(at)
        at += GRID
    return out


def _preferred(starts: Sequence[datetime], interval: Interval) -> datetime:
    """The start nearest the stretch's middle, on the half hour when possible."""
    start, end = interval
    middle = start + (end - start - SLOT) / 2
    half_hours = [s for s in starts if not (s - _EPOCH) % (2 * GRID)]
    pool = half_hours or list(starts)
    return min(pool, key=lambda s: (abs(s - middle), s))


def suggest(
    people: Sequence[Person], start: datetime, end: datetime, count: int = 3
) -> list[datetime]:
    """Up to ``count`` slot starts in ``[start, end)`` inside everyone's hours, in order.

    Empty when the people share no half hour of working time in that window.
    """
    if count < 1:
        return []
    stretches = [(iv, s) for iv in shared_intervals(people, start, end) if (s := _starts(iv))]
    chosen: list[datetime] = []
    for interval, starts in stretches:
        if len(chosen) == count:
            break
        chosen.append(_preferred(starts, interval))
    for _interval, starts in stretches:
        for candidate in starts:
            if len(chosen) == count:
                return sorted(chosen)
            if all(abs(candidate - c) >= SPACING for c in chosen):
                chosen.append(candidate)
    return sorted(chosen)
