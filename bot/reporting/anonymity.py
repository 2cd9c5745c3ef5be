"""Every anonymity rule for lead-facing figures lives here, so no other module has to get it right.

Programme leads see summaries of anonymous feedback and check-in outcomes. They must never be
able to work out what one person said, so every figure they see goes through this module:

* **Threshold.** No released figure is built from fewer contributions than the programme's
  threshold (:func:`effective_threshold`: default 5, never below 3, whatever is configured).
  Every ``release_*`` function re-applies the floor itself, so a caller that passes a raw
  configured value (even 0 or 1) is still safe.
* **Cells.** The atomic unit is a *cell*: one group (a feedback category, a check-in status,
  ...) in one ISO week. A cell under the threshold is suppressed and feeds *no* released
  figure, totals included. Totals are therefore sums of released cells only, and
  :class:`PeriodSummary` says so with ``totals_exclude_suppressed``.
* **Closed weeks only.** A week is released only once it has ended (in UTC). Responses are
  attributed to the week in which they arrive (:func:`iso_week` of the arrival time), which is
  always still open, so a figure that has been shown can never change afterwards. Two
  summaries taken before and after one new response are identical, which is what defeats
  time-differencing ("the count went up by one after Sam replied").
* **Complementary suppression.** Within one week, sibling groups are suppressed together: if
  one non-empty sibling is the only one suppressed, the smallest released sibling is
  suppressed as well (repeatedly if needed), so that someone who knows the week's grand
  total from elsewhere still cannot subtract the released siblings to recover the small one.
  It is applied per week only, never across weeks, because a cross-week rule would let a
  newly closed week retract a figure that had already been shown.
* **Values** (ratings) enter a pooled mean only from released cells holding at least
  threshold values themselves, so no difference of two released means isolates a few ratings.
* **Texts** are released only in batches of at least threshold non-blank texts, shuffled, and
  stripped of everything but the text itself (no dates, no order of arrival).
* **Pair outcomes** are only ever shown pooled over at least threshold pairs
  (:func:`release_rate`, :func:`release_mean`).

``None`` means "suppressed" throughout. Suppressed results deliberately carry no reason: saying
"below threshold" for one cell and "suppressed to protect a sibling" for another would tell
the reader which cell is the small one.

This module is pure: no Slack, no database, no clock. Callers pass ``now`` explicitly.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "CellData",
    "PeriodSummary",
    "closed_weeks",
    "effective_threshold",
    "is_closed",
    "iso_week",
    "release_count",
    "release_counts",
    "release_mean",
    "release_rate",
    "release_share",
    "release_texts",
    "summarise_period",
    "week_bounds",
]

DEFAULT_THRESHOLD: Final = 5
"""Used when a programme has not configured a threshold."""

MIN_THRESHOLD: Final = 3
"""Hard floor: below three, "anonymous" feedback in a small team is a guessing game."""

_WEEK_RE: Final = re.compile(r"^(\d{4})-W(\d{2})$")
_ONE_WEEK: Final = timedelta(days=7)


# --------------------------------------------------------------------------------------------
# Threshold
# --------------------------------------------------------------------------------------------


def effective_threshold(configured: int | None) -> int:
    """The threshold actually enforced for a programme's configured value.

    ``None`` means "not configured" and gives :data:`DEFAULT_THRESHOLD`. Any configured value
    is raised to :data:`MIN_THRESHOLD`, so a typo or a lead lowering the setting can never
    weaken anonymity below the floor.
    """
    if configured is None:
        return DEFAULT_THRESHOLD
    return max(MIN_THRESHOLD, int(configured))


# --------------------------------------------------------------------------------------------
# ISO weeks (always UTC)
# --------------------------------------------------------------------------------------------


def _require_aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")


def iso_week(dt: datetime) -> str:
    """The ISO week label (``"2026-W48"``) of an instant, computed in UTC.

    Everything that attributes a response to a week must use this, so that attribution and
    week closure (:func:`is_closed`) agree on where weeks start. A member's local time zone
    is deliberately ignored: in a local calendar a Monday-morning reply in UTC+13 would land
    in a week that has already closed in UTC and change a figure that was already shown.
    """
    _require_aware(dt, "iso_week() argument")
    year, week, _ = dt.astimezone(UTC).isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """The half-open UTC interval ``[start, end)`` of an ISO week label.

    Raises ``ValueError`` for malformed labels and for week numbers the year does not have
    (e.g. W53 in a 52-week year), so a corrupt row cannot silently land in another week.
    """
    match = _WEEK_RE.match(week)
    if match is None:
        raise ValueError(f"not an ISO week label like '2026-W48': {week!r}")
    year, number = int(match.group(1)), int(match.group(2))
    monday = date.fromisocalendar(year, number, 1)  # raises ValueError for impossible weeks
    start = datetime.combine(monday, time(0), tzinfo=UTC)
    return start, start + _ONE_WEEK


def is_closed(week: str, now: datetime) -> bool:
    """Whether ``week`` has ended at ``now``; only closed weeks are ever released."""
    _require_aware(now, "now")
    return now >= week_bounds(week)[1]


def closed_weeks(now: datetime, n: int) -> list[str]:
    """The last ``n`` closed ISO weeks at ``now``, oldest first.

    The week containing ``now`` is open (it has not ended yet), so the newest week returned
    is the one before it.
    """
    _require_aware(now, "now")
    if n < 0:
        raise ValueError("n must be >= 0")
    current_start, _ = week_bounds(iso_week(now))
    return [iso_week(current_start - _ONE_WEEK * i) for i in range(n, 0, -1)]


# --------------------------------------------------------------------------------------------
# Single figures
# --------------------------------------------------------------------------------------------


def release_count(count: int, threshold: int | None) -> int | None:
    """A lone count (no siblings), or ``None`` if it is under the threshold."""
    if count < 0:
        raise ValueError("counts cannot be negative")
    return count if count >= effective_threshold(threshold) else None


def release_mean(values: Sequence[float], threshold: int | None) -> float | None:
    """The mean of ``values`` rounded to one decimal, or ``None`` if too few values.

    Used for ratings and pair usefulness scores: a mean over fewer than threshold responses
    (pairs) would let a lead infer individual answers.
    """
    if len(values) < effective_threshold(threshold):
        return None
    return round(statistics.fmean(values), 1)


def release_rate(numerator: int, denominator: int, threshold: int | None) -> float | None:
    """``numerator / denominator`` as a percentage (one decimal), pooled over enough units.

    For pair-level outcomes (e.g. "pairs that met" over "pairs that answered"): the rate is
    shown only when the denominator covers at least threshold pairs, so no single pair's
    outcome is ever displayed on its own.
    """
    if denominator < 0 or numerator < 0 or numerator > denominator:
        raise ValueError("need 0 <= numerator <= denominator")
    if denominator < effective_threshold(threshold):
        return None
    return round(100.0 * numerator / denominator, 1)


def release_share(numerator: int, denominator: int, threshold: int | None) -> float | None:
    """A percentage whose every part passes the threshold, or ``None``.

    Stricter than :func:`release_rate`: the numerator (e.g. answers), the denominator
    (e.g. pairs) and what is left (pairs without an answer) must each count at least
    threshold units, unless what is left is zero. Otherwise a rate shown here could
    give away a numerator of one that is hidden elsewhere ("1 of 6 answered").
    """
    if denominator < 0 or numerator < 0 or numerator > denominator:
        raise ValueError("need 0 <= numerator <= denominator")
    t = effective_threshold(threshold)
    rest = denominator - numerator
    if denominator < t or numerator < t or 0 < rest < t:
        return None
    return round(100.0 * numerator / denominator, 1)


def release_texts(
    texts: Iterable[str], threshold: int | None, rng: random.Random | None = None
) -> list[str] | None:
    """Free-text answers for one category and period, or ``None`` if there are too few.

    Blank texts are dropped before counting, so four real comments plus an empty one are
    still four (and stay hidden). The result is shuffled, with ``random.SystemRandom`` unless
    a seeded ``rng`` is given (tests), so the display order reveals nothing about arrival
    order. Only the strings come back: callers cannot accidentally pass dates through.
    """
    kept = [text for text in texts if text.strip()]
    if len(kept) < effective_threshold(threshold):
        return None
    (rng or random.SystemRandom()).shuffle(kept)
    return kept


# --------------------------------------------------------------------------------------------
# Sibling groups: primary + complementary suppression
# --------------------------------------------------------------------------------------------


def _suppressed_keys(counts: Mapping[str, int], threshold: int) -> set[str]:
    """Keys to hide among one set of siblings (see :func:`release_counts`)."""
    if any(value < 0 for value in counts.values()):
        raise ValueError("counts cannot be negative")
    hidden = {key for key, value in counts.items() if value < threshold}

    def pinned() -> bool:
        # With the grand total known, the hidden cells' sum is known too, so a single
        # hidden cell would be fully determined. Empty cells name nobody: knowing that a
        # category got no responses at all is no one's answer, so they pin nothing.
        nonempty = [key for key in hidden if counts[key] > 0]
        return len(nonempty) == 1 and len(hidden) == 1

    while hidden and len(hidden) < len(counts) and pinned():
        # Smallest released sibling first (it costs the reader least); ties by key so the
        # choice does not depend on dict order.
        hidden.add(min((key for key in counts if key not in hidden), key=lambda k: (counts[k], k)))
    return hidden


def release_counts(counts: Mapping[str, int], threshold: int | None) -> dict[str, int | None]:
    """Counts of one set of sibling groups (one week), with small cells suppressed.

    ``counts`` must list every sibling a reader knows exists, zeros included (e.g. all four
    feedback categories): leaving out empty groups would not hide them and would weaken the
    protection below.

    Rules: a count under the threshold is suppressed (primary suppression). Then, while a
    single non-empty cell is the only one suppressed (so the released siblings plus the grand
    total would give it away), the smallest released sibling is suppressed too
    (complementary suppression). Afterwards, whenever a non-empty cell is hidden and not
    everything is, at least two cells are hidden and their hidden sum is at least one, so
    each hidden non-empty cell has other non-negative values consistent with what is shown.
    Empty cells are deliberately not protected: "nobody chose this category" is no one's
    answer, so a lone hidden zero does not cost the reader a released sibling.
    """
    hidden = _suppressed_keys(counts, effective_threshold(threshold))
    return {key: (None if key in hidden else value) for key, value in counts.items()}


# --------------------------------------------------------------------------------------------
# Whole-period summaries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellData:
    """Raw contributions to one (week, group) cell, as read from the database.

    ``count`` is the number of contributions (responses, pairs). ``values`` are optional
    numbers attached to some of them (ratings, usefulness) and ``texts`` optional free text;
    neither can outnumber the contributions they belong to.
    """

    count: int
    values: tuple[float, ...] = ()
    texts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count cannot be negative")
        if len(self.values) > self.count or len(self.texts) > self.count:
            raise ValueError("a cell cannot hold more values or texts than contributions")
        if not all(math.isfinite(v) for v in self.values):
            raise ValueError("values must be finite numbers")


@dataclass(frozen=True)
class PeriodSummary:
    """What a lead may see for a period. ``None`` anywhere means "suppressed".

    Every total is a sum over *released* cells only, so when ``totals_exclude_suppressed`` is
    true the totals undercount and the view must say so (e.g. "totals exclude small groups").
    """

    threshold: int
    weeks: tuple[str, ...]
    """Closed weeks covered, oldest first; requested weeks that were still open are absent."""
    groups: tuple[str, ...]
    counts: dict[str, dict[str, int | None]]
    """week -> group -> released count."""
    week_totals: dict[str, int | None]
    """week -> sum of that week's released cells (``None`` if none was released)."""
    group_totals: dict[str, int | None]
    """group -> sum of that group's released cells over the period."""
    total: int | None
    """Sum of all released cells."""
    means: dict[str, float | None]
    """group -> mean of values pooled over that group's released cells; only cells that hold
    at least threshold values themselves contribute, and the pool needs threshold values."""
    overall_mean: float | None
    """Mean of values pooled the same way over all groups."""
    texts: dict[str, list[str] | None]
    """group -> shuffled texts pooled over that group's released cells (>= threshold texts)."""
    totals_exclude_suppressed: bool
    """True when any cell is suppressed, i.e. the totals may leave some contributions out."""
    excluded_open_weeks: tuple[str, ...] = field(default=())
    """Requested weeks left out because they had not ended at ``now``."""


def _sum_or_none(values: Iterable[int | None]) -> int | None:
    released = [v for v in values if v is not None]
    return sum(released) if released else None


def summarise_period(
    cells: Mapping[str, Mapping[str, CellData | int]],
    *,
    groups: Sequence[str],
    weeks: Sequence[str],
    now: datetime,
    threshold: int | None,
    rng: random.Random | None = None,
) -> PeriodSummary:
    """Apply every rule to raw per-week, per-group data and return only what may be shown.

    ``cells`` maps ISO week -> group -> :class:`CellData` (or a bare count). ``groups`` is the
    full sibling set (missing cells count as zero, see :func:`release_counts`); ``weeks`` the
    weeks the caller wants, typically ``closed_weeks(now, 12)``. Weeks that have not ended at
    ``now`` are dropped, never shown; data for weeks not requested is ignored. A group in
    ``cells`` that is not in ``groups`` is a caller bug and raises ``ValueError`` rather than
    being silently dropped or silently changing the sibling set.

    Texts are pooled per group over the period (from released cells only) and need threshold
    texts in the pool. Comparing two *overlapping* periods can date a text to a single week,
    but never below a released cell, i.e. never to fewer than threshold contributors.
    """
    _require_aware(now, "now")
    t = effective_threshold(threshold)
    group_list = tuple(dict.fromkeys(groups))
    if not group_list:
        raise ValueError("groups must not be empty")
    for week, by_group in cells.items():
        unknown = set(by_group) - set(group_list)
        if unknown:
            raise ValueError(f"unknown groups in week {week}: {sorted(unknown)}")

    requested = sorted(set(weeks), key=lambda w: week_bounds(w)[0])
    covered = tuple(w for w in requested if is_closed(w, now))
    excluded = tuple(w for w in requested if not is_closed(w, now))

    def cell(week: str, group: str) -> CellData:
        raw = cells.get(week, {}).get(group, 0)
        return raw if isinstance(raw, CellData) else CellData(count=raw)

    counts: dict[str, dict[str, int | None]] = {}
    released_cells: list[tuple[str, CellData]] = []
    for week in covered:
        week_cells = {group: cell(week, group) for group in group_list}
        counts[week] = release_counts({g: c.count for g, c in week_cells.items()}, t)
        released_cells.extend(
            (group, week_cells[group]) for group, value in counts[week].items() if value is not None
        )

    # Values pool only from released cells that hold at least threshold values themselves:
    # otherwise the difference between two pooled means (a group vs. all groups, or two
    # overlapping periods) could recover the sum of a handful of ratings.
    value_cells = [(g, c) for g, c in released_cells if len(c.values) >= t]

    def pooled_values(group: str | None) -> list[float]:
        return [v for g, c in value_cells if group is None or g == group for v in c.values]

    texts: dict[str, list[str] | None] = {}
    for group in group_list:
        pool = [text for g, c in released_cells if g == group for text in c.texts]
        texts[group] = release_texts(pool, t, rng)

    return PeriodSummary(
        threshold=t,
        weeks=covered,
        groups=group_list,
        counts=counts,
        week_totals={week: _sum_or_none(counts[week].values()) for week in covered},
        group_totals={g: _sum_or_none(counts[w][g] for w in covered) for g in group_list},
        total=_sum_or_none(v for week in covered for v in counts[week].values()),
        means={g: release_mean(pooled_values(g), t) for g in group_list},
        overall_mean=release_mean(pooled_values(None), t),
        texts=texts,
        # Derived from what is already visible (any None), so the flag itself leaks nothing;
        # "was a hidden cell non-empty?" would tell a reader whether anyone answered.
        totals_exclude_suppressed=any(v is None for week in covered for v in counts[week].values()),
        excluded_open_weeks=excluded,
    )
