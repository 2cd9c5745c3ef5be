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

#: Default working hours, in local minutes after midnight (members may set their own).
WORKDAY_START: Final = 9 * 60
WORKDAY_END: Final = 18 * 60
_WORKDAY: Final = WORKDAY_END - WORKDAY_START
#: A member's daily working window in UTC, packed into one integer ("window code"):
#: ``start * WINDOW_BASE + length``, start in [0, 1440) UTC minutes, length in [1, 1440].
WINDOW_BASE: Final = MINUTES_PER_DAY + 1
WINDOW_CODES: Final = MINUTES_PER_DAY * WINDOW_BASE

#: Soft cost of a shared department, and of working hours that don't overlap at all.
DEPARTMENT_COST: Final = 1.0
HOURS_COST: Final = 1.0


def working_hours_overlap(offset_a: int, offset_b: int) -> int:
    """Minutes of 09:00-18:00 local that two UTC offsets share on a day.

    Computed on the 24-hour circle, so +13:00 and -11:00 overlap fully.
    """
    d = abs(offset_a - offset_b) % MINUTES_PER_DAY
    return max(0, _WORKDAY - min(d, MINUTES_PER_DAY - d))


def window_code(utc_offset_minutes: int, work_minutes: tuple[int, int]) -> int:
    """A member's working window on the UTC day circle, as one integer (see WINDOW_BASE)."""
    start, end = work_minutes
    return ((start - utc_offset_minutes) % MINUTES_PER_DAY) * WINDOW_BASE + (end - start)


def member_window(member: Member) -> int:
    return window_code(member.utc_offset_minutes, member.work_minutes)


def _window_overlap(code_a: Ints, code_b: Ints) -> tuple[Ints, Ints]:
    """Minutes two daily windows share on the 24-hour circle, and the shorter length."""
    start_a, len_a = np.divmod(code_a, WINDOW_BASE)
    start_b, len_b = np.divmod(code_b, WINDOW_BASE)
    overlap = np.zeros(np.broadcast(code_a, code_b).shape, dtype=np.int64)
    for shift in (-MINUTES_PER_DAY, 0, MINUTES_PER_DAY):
        lo = np.maximum(start_a, start_b + shift)
        hi = np.minimum(start_a + len_a, start_b + shift + len_b)
        overlap += np.maximum(0, hi - lo)
    shorter: Ints = np.minimum(len_a, len_b)
    return overlap, shorter


def hours_overlap(a: Member, b: Member) -> int:
    """Minutes of their own working hours two members share on a day."""
    overlap, _ = _window_overlap(np.array(member_window(a)), np.array(member_window(b)))
    return int(overlap)


def pair_cost(a: Member, b: Member) -> float:
    """Soft cost of putting two people together: department clash + hours mismatch.

    The hours part is the share of the shorter working day the two do *not* share:
    0 when one's hours sit inside the other's, 1 when they never overlap. With
    everyone on 09:00-18:00 it is exactly the offset-based overlap of old.
    """
    cost = soft_cost(
        np.array(-1 if a.department is None else 0),
        np.array(-1 if b.department is None else (0 if a.department == b.department else 1)),
        np.array(member_window(a)),
        np.array(member_window(b)),
    )
    return float(cost)


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


def soft_cost(dept_a: Ints, dept_b: Ints, win_a: Ints, win_b: Ints) -> Floats:
    """:func:`pair_cost` over arrays (department codes, -1 for none; window codes).

    The solvers price millions of candidate pairs at once, so this is the form
    they use; :func:`pair_cost` is defined through it, so the two always agree.
    """
    overlap, shorter = _window_overlap(win_a, win_b)
    same = (dept_a == dept_b) & (dept_a >= 0)
    cost: Floats = DEPARTMENT_COST * same + HOURS_COST * (1.0 - overlap / shorter)
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
