"""What a pairing costs, from hard rules down to the soft cost, and how the levels stack.

The engine ranks plans lexicographically (see the package docstring). This module
holds every level's ingredients: the hard rules (:func:`forbidden`), the caps that
decide how many places a colleague offers (:func:`place_counts`), the soft cost
per pair (:func:`pair_cost` for two members, :func:`soft_cost` for arrays of them,
which must agree), and :func:`lexicographic_weights`, which turns the ordered
levels into one number per cell for a single linear assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np

from bot.pairing.engine.arrays import Floats, Ints
from bot.pairing.engine.model import MINUTES_PER_DAY, History, Member, Rules

#: Working hours assumed for everyone, in local minutes after midnight.
WORKDAY_START: Final = 9 * 60
WORKDAY_END: Final = 18 * 60
_WORKDAY: Final = WORKDAY_END - WORKDAY_START

#: Soft cost of a shared department, and of working hours that don't overlap at all.
DEPARTMENT_COST: Final = 1.0
HOURS_COST: Final = 1.0


def working_hours_overlap(offset_a: int, offset_b: int) -> int:
    """Minutes of 09:00-18:00 local that two UTC offsets share on a day.

    Computed on the 24-hour circle, so +13:00 and -11:00 overlap fully.
    """
    d = abs(offset_a - offset_b) % MINUTES_PER_DAY
    return max(0, _WORKDAY - min(d, MINUTES_PER_DAY - d))


def pair_cost(a: Member, b: Member) -> float:
    """Soft cost of putting two people together: department clash + hours mismatch."""
    same = a.department is not None and a.department == b.department
    overlap = working_hours_overlap(a.utc_offset_minutes, b.utc_offset_minutes)
    return DEPARTMENT_COST * same + HOURS_COST * (1 - overlap / _WORKDAY)


def forbidden(a: Member, b: Member, rules: Rules, history: History) -> bool:
    """Whether a hard rule forbids ``a`` and ``b`` from being in one group."""
    key = frozenset((a.user_id, b.user_id))
    return (
        a.user_id == b.user_id
        or b.user_id in a.never
        or a.user_id in b.never
        or key in rules.never_pairs
        or key in history.ended
        or a.manager_id == b.user_id
        or b.manager_id == a.user_id
    )


def place_counts(members: Iterable[Member], rules: Rules, history: History) -> dict[str, int]:
    """How many allies each colleague may get this round (round and quarter caps)."""
    out: dict[str, int] = {}
    for m in members:
        if m.role != "colleague":
            continue
        n = rules.colleague_round_cap
        if rules.colleague_quarter_cap is not None:
            used = history.quarter_counts.get(m.user_id, 0)
            n = min(n, max(0, rules.colleague_quarter_cap - used))
        out[m.user_id] = n
    return out


def soft_cost(dept_a: Ints, dept_b: Ints, off_a: Ints, off_b: Ints) -> Floats:
    """:func:`pair_cost` over arrays (department codes, -1 for none; UTC offsets).

    The solvers price millions of candidate pairs at once, so this is the form
    they use; it must stay equal to :func:`pair_cost` member for member.
    """
    d = np.abs(off_a - off_b) % MINUTES_PER_DAY
    overlap = np.maximum(0, _WORKDAY - np.minimum(d, MINUTES_PER_DAY - d))
    same = (dept_a == dept_b) & (dept_a >= 0)
    cost: Floats = DEPARTMENT_COST * same + HOURS_COST * (1.0 - overlap / _WORKDAY)
    return cost


@dataclass(frozen=True)
class Weights:
    """Per-cell weights that stack the priority levels (see the package docstring).

    ``exact`` says whether the order they encode is strictly lexicographic; only
    then may the report claim that no better plan exists.
    """

    fair: float
    always: float
    age: float
    repeat: float
    unmatched: float
    exact: bool


def lexicographic_weights(pairs: int, cap: int, window: int) -> Weights:
    """Each level's weight exceeds the largest total swing of all levels below it.

    Two assignments with ``pairs`` cells differ below a level by at most
    ``pairs * span`` (span: the per-cell range of the lower levels), so a weight of
    ``pairs * span + 1`` makes the order exactly lexicographic. That is kept while
    the largest total stays well inside float64's exact integers; past that the
    count is capped, and each level still dominates by that factor.
    """

    def build(m: int) -> tuple[int, ...]:
        span = 2  # soft cost range per cell
        fair = m * span + 1
        span += fair * (cap + 1)  # fairness per cell: from -(cap - 1) to +2
        always = m * span + 1
        span += always
        age = m * span + 1
        span += age * window
        repeat = m * span + 1
        span += repeat
        return fair, always, age, repeat, m * span + 1

    m = max(pairs, 1)
    limit = 2**50
    exact = build(m)[-1] * m < limit
    if not exact:
        lo, hi = 1, m
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if build(mid)[-1] * mid < limit:
                lo = mid
            else:
                hi = mid - 1
        m = lo
    fair, always, age, repeat, unmatched = build(m)
    return Weights(float(fair), float(always), float(age), float(repeat), float(unmatched), exact)
