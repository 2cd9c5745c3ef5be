"""How long a round spends finding each intro's delivery moment and three meeting slots.

A scheduled round asks, for every pair, when everyone is first at work together and
which three half hours of the coming week suit them all (``bot.core.hours`` and
``bot.pairing.slots``). This times that for N pairs in five zones, with a third of
the people on hours of their own, against a baseline measured in the same run:

* ``intervals``: what the round runs (exact working stretches per local day,
  intersected, then slots on the quarter-hour grid);
* ``baseline``: the naive way, checking every quarter hour of the week for every
  person with ``WorkingHours.contains`` (the first shared one, and every half hour
  that could be suggested).

The benchmark checks that both find the same first moment, that every suggested slot
is one the scan accepts, and that both agree on which groups have none.

Run: ``python -m benchmarks.meeting [--pairs 2000] [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from bot.core.hours import DEFAULT_WORKING_HOURS, Person, WorkingHours, first_shared_moment
from bot.pairing import slots

ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Asia/Tokyo")
OWN_HOURS = (
    WorkingHours(clock(7), clock(15)),
    WorkingHours(clock(12), clock(20)),
    WorkingHours(clock(10), clock(16), frozenset({0, 1, 2, 3})),
)
START = datetime(2026, 3, 26, 6, tzinfo=UTC)  # the week the UK changes its clocks


def groups(n: int, seed: int = 3) -> list[list[Person]]:
    rng = random.Random(seed)

    def person() -> Person:
        hours = rng.choice(OWN_HOURS) if rng.random() < 1 / 3 else DEFAULT_WORKING_HOURS
        return ZoneInfo(rng.choice(ZONES)), hours

    return [[person() for _ in range(3 if rng.random() < 0.1 else 2)] for _ in range(n)]


def naive(people: list[Person], start: datetime) -> tuple[datetime | None, set[datetime]]:
    """Quarter-hour scan: the first shared quarter hour, and every slot start it allows."""
    step = timedelta(minutes=15)
    grid = [start + k * step for k in range(8 * 24 * 4)]
    shared = {t for t in grid if all(h.contains(t.astimezone(z)) for z, h in people)}
    first = min(shared) if shared else None
    deliver = first or start
    window = (deliver + timedelta(hours=2), deliver + timedelta(days=7))
    allowed = {
        t for t in shared if window[0] <= t and t + slots.SLOT <= window[1] and t + step in shared
    }
    return first, allowed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 pairs")
    args = parser.parse_args()
    n = 200 if args.quick else args.pairs
    work = groups(n)
    t0 = time.perf_counter()
    fast = []
    for people in work:
        first = first_shared_moment(people, START)
        deliver = first or START
        fast.append(
            (
                first,
                slots.suggest(people, deliver + timedelta(hours=2), deliver + timedelta(days=7)),
            )
        )
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = [naive(people, START) for people in work]
    t_slow = time.perf_counter() - t0
    for (first, found), (scanned, allowed) in zip(fast, slow, strict=True):
        assert first == scanned and set(found) <= allowed and bool(found) == bool(allowed)
    with_slots = sum(1 for _, s in fast if s)
    print(f"{'method':<10} {'pairs':>6} {'wall s':>8} {'ms/pair':>8} {'with slots':>11}")
    print(f"{'intervals':<10} {n:>6} {t_fast:>8.3f} {1000 * t_fast / n:>8.3f} {with_slots:>11}")
    scanned = sum(1 for _, allowed in slow if allowed)
    print(f"{'baseline':<10} {n:>6} {t_slow:>8.3f} {1000 * t_slow / n:>8.3f} {scanned:>11}")


if __name__ == "__main__":
    main()
