"""The pairing engine: who meets whom this round (pure: no Slack, no SQL).

A round pairs each *colleague place* with one ally. A colleague with a round cap
of N offers N places (fewer if the quarterly cap is nearly used up); each filled
place is its own buddy group ``(ally, colleague)``, so a colleague with two allies
appears in two groups. An ally is in at most one group.

What the engine optimises, in strict priority order (each level only breaks ties
of the levels above it):

1. **Hard rules, never broken.** Personal never-lists (either direction), admin
   never rules, pairs ended by a member (blocked forever), a member with their
   manager or a direct report.
2. **As many buddy places filled as possible.** Colleagues are who the programme
   is for, so an empty place is worse than anything below.
3. **Fewest repeats, then the oldest.** A pair that met within ``repeat_window``
   rounds is a repeat. A repeat is only chosen when no repeat-free way to fill the
   same number of places exists; then the plan lists them and says so. Admin
   "always" pairs are meant to recur, so they never count as repeats.
4. **Admin "always" pairs** are paired whenever both are present and that costs
   nothing above.
5. **Fairness.** Whoever sat out last round is first in line for a buddy place,
   and every colleague gets a first ally before anyone gets a second.
6. **Soft cost**, :func:`pair_cost`: a shared department costs 1 and working hours
   that don't overlap cost up to 1 (09:00-18:00 local, from the UTC offsets).

Two solvers produce the buddy matching:

* ``dense`` (small programmes, and the benchmark's reference optimum): one exact
  rectangular assignment (``scipy.optimize.linear_sum_assignment``) over every
  ally x place, with the levels above encoded as weights. Up to about 150 pairs
  the weights make the order exactly lexicographic (float64 stays exact); beyond
  that each level still outweighs the levels below summed over 150 pairs.
* ``classes`` (large programmes): the soft cost depends only on (department, UTC
  offset), so members fall into a few hundred classes. An exact transportation
  problem between ally classes and place classes (a small linear programme) gives
  the optimal soft cost and fairness; members are then dealt out inside their
  classes in seeded random order. The few pairs that break a hard rule or repeat
  are repaired by swapping partners with another member of the same class (which
  leaves the cost unchanged), and whatever is left by an exact dense assignment
  over the conflicted members and a neighbourhood around them. Always pairs are
  placed first and kept out of the cost-neutral swaps. At 100,000 members the
  whole round takes about 0.6 s on two cores (``python -m benchmarks.pairing``),
  most of it reading the input.

Then the leftovers:

* A colleague left without any ally (more places than allies, or rules) joins an
  existing buddy pair as a third member when the rules allow, rather than being
  left alone: ``(ally, colleague, joined colleague)``. Each pair takes at most one.
* Leftover allies sit out, or, with ``peer_pairs`` on, form ally peer pairs that
  obey the same hard rules and never repeat within the window (peer pairs are a
  bonus, so an ally who can't get a fresh peer sits out instead of repeating).
  An odd ally joins a peer pair as a third member. When exactly one ally is left
  over there is no peer pair to join; adding them to a buddy pair would exceed
  that colleague's cap, so they sit out with ``odd_one_out`` and, like everyone
  who sits out, are first in line next round.

Everyone not in a group gets a :class:`SitOut` with a reason code and a reason
that can be shown to them. The plan is deterministic for a given seed and does
not depend on input order: inputs are sorted by user id before anything else.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final, Literal

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import csr_matrix, vstack

Role = Literal["ally", "colleague"]
GroupKind = Literal["buddy", "peer"]
Solver = Literal["auto", "dense", "classes"]

#: Working hours assumed for everyone, in local minutes after midnight.
WORKDAY_START: Final = 9 * 60
WORKDAY_END: Final = 18 * 60
_WORKDAY: Final = WORKDAY_END - WORKDAY_START
_DAY: Final = 24 * 60

#: Soft cost of a shared department, and of working hours that don't overlap at all.
DEPARTMENT_COST: Final = 1.0
HOURS_COST: Final = 1.0

#: Sit-out reason codes (stable: stored and counted by callers).
NO_PLACE: Final = "no_place"
NO_ALLOWED_PARTNER: Final = "no_allowed_partner"
QUARTER_CAP: Final = "quarter_cap"
ODD_ONE_OUT: Final = "odd_one_out"

#: Up to this many ally x place cells, ``auto`` uses the exact dense solver.
DENSE_CELLS: Final = 600_000

# Why a pair is blocked (bit flags, so one pair can have several reasons).
_PERSONAL: Final = 1
_ADMIN_NEVER: Final = 2
_ENDED: Final = 4
_MANAGER: Final = 8
_REPEAT_WINDOW: Final = 16  # only for peer pairs, which never repeat
_KIND_TEXT: Final = (
    (_PERSONAL | _ADMIN_NEVER, "never-rules"),
    (_ENDED, "ended pairs"),
    (_MANAGER, "manager line"),
    (_REPEAT_WINDOW, "repeat window"),
)

# Tuning of the class solver; see _class_assign.
_ALL_ARCS: Final = 40_000  # class pairs up to which the transport LP keeps every arc
_ARCS_PER_CLASS: Final = 12  # otherwise: each class's cheapest arcs
_MAX_CLASS_CELLS: Final = 2_000_000  # beyond this the LP is not worth it
_SWAP_TRIES: Final = 8
_SWAP_ROUNDS: Final = 4
_NEIGHBOURS: Final = 12  # per conflicted pair, in the local exact repair
_LOCAL_CHUNK: Final = 150  # conflicted pairs per local exact repair
_EXACT_PEERS: Final = 10  # leftover allies up to which peer pairing is exhaustive


@dataclass(frozen=True)
class Member:
    """An active member of the programme, as the engine needs them.

    ``utc_offset_minutes`` is the member's current offset (e.g. 330 for India);
    ``never`` is their personal "never pair me with" list of user ids.
    """

    user_id: str
    role: Role
    department: str | None = None
    utc_offset_minutes: int = 0
    manager_id: str | None = None
    never: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.user_id:
            raise ValueError("a member needs a user id")
        if self.role not in ("ally", "colleague"):
            raise ValueError(f"unknown role {self.role!r} for {self.user_id}")
        if not -_DAY < self.utc_offset_minutes < _DAY:
            raise ValueError(f"UTC offset out of range for {self.user_id}")
        if not isinstance(self.never, frozenset):
            object.__setattr__(self, "never", frozenset(self.never))


@dataclass(frozen=True)
class Rules:
    """A programme's pairing rules.

    ``never_pairs`` / ``always_pairs`` are the admin rules, each a set of two
    user ids. ``colleague_quarter_cap`` limits how many allies a colleague is
    paired with per quarter (None: no limit).
    """

    repeat_window: int = 6
    colleague_round_cap: int = 1
    colleague_quarter_cap: int | None = None
    peer_pairs: bool = False
    never_pairs: frozenset[frozenset[str]] = frozenset()
    always_pairs: frozenset[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        if self.repeat_window < 0:
            raise ValueError("repeat_window must be >= 0")
        if self.colleague_round_cap < 1:
            raise ValueError("colleague_round_cap must be >= 1")
        if self.colleague_quarter_cap is not None and self.colleague_quarter_cap < 0:
            raise ValueError("colleague_quarter_cap must be >= 0")
        for name in ("never_pairs", "always_pairs"):
            pairs = frozenset(frozenset(p) for p in getattr(self, name))
            if any(len(p) != 2 for p in pairs):
                raise ValueError(f"every entry of {name} must name two different people")
            object.__setattr__(self, name, pairs)


@dataclass(frozen=True)
class History:
    """What earlier rounds left behind.

    ``recent`` maps a pair (or any two people who shared a group) to how many
    rounds ago they last met: 1 is last round. ``ended`` pairs were ended by a
    member and are blocked forever. ``quarter_counts`` is how many allies each
    colleague has been paired with so far this quarter.
    """

    recent: Mapping[frozenset[str], int] = field(default_factory=dict)
    ended: frozenset[frozenset[str]] = frozenset()
    sat_out_last_round: frozenset[str] = frozenset()
    quarter_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """People who meet this round.

    ``buddy``: ``(ally, colleague)``, or ``(ally, colleague, joined colleague)``
    when a colleague who would otherwise be alone joined that pair. ``peer``: two
    or three allies, sorted by user id.
    """

    members: tuple[str, ...]
    kind: GroupKind


@dataclass(frozen=True)
class SitOut:
    """Someone not in any group this round, with a reason code and a reason."""

    user_id: str
    reason_code: str
    reason: str


@dataclass(frozen=True)
class Repeat:
    """A buddy pair that already met within the repeat window: ``(ally, colleague)``."""

    members: tuple[str, str]
    rounds_ago: int


@dataclass(frozen=True)
class RoundPlan:
    """The round: groups, who sits out and why, repeats, and a readable report.

    ``cost`` is the total :func:`pair_cost` of every ally-colleague pairing
    (lower is better); peer groups are not counted.
    """

    groups: tuple[Group, ...]
    sat_out: tuple[SitOut, ...]
    repeats: tuple[Repeat, ...]
    notes: tuple[str, ...]
    cost: float


# ---------------------------------------------------------------------------
# Public helpers


def working_hours_overlap(offset_a: int, offset_b: int) -> int:
    """Minutes of 09:00-18:00 local that two UTC offsets share on a day.

    Computed on the 24-hour circle, so +13:00 and -11:00 overlap fully.
    """
    d = abs(offset_a - offset_b) % _DAY
    return max(0, _WORKDAY - min(d, _DAY - d))


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
    out = {}
    for m in members:
        if m.role != "colleague":
            continue
        n = rules.colleague_round_cap
        if rules.colleague_quarter_cap is not None:
            used = history.quarter_counts.get(m.user_id, 0)
            n = min(n, max(0, rules.colleague_quarter_cap - used))
        out[m.user_id] = n
    return out


# ---------------------------------------------------------------------------
# Canonical array view of the input


def _lookup(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``query`` in the sorted unique ``keys`` and whether each was found."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=bool), np.zeros(len(query), dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return keys[pos] == query, pos


class _Programme:
    """One round's input as arrays indexed by member (members sorted by user id).

    Pairs are stored as sorted int64 keys ``min * n + max`` so that rule and
    history look-ups for a million candidate pairs are one ``searchsorted``.
    """

    def __init__(self, members: Sequence[Member], rules: Rules, history: History) -> None:
        ms = sorted(members, key=lambda m: m.user_id)
        ids = [m.user_id for m in ms]
        for a, b in itertools.pairwise(ids):
            if a == b:
                raise ValueError(f"member {a!r} is listed twice")
        self.members = ms
        self.ids = ids
        self.n = n = len(ms)
        self.index = index = {u: i for i, u in enumerate(ids)}
        self.rules = rules
        self.window = rules.repeat_window
        self.is_ally = np.fromiter((m.role == "ally" for m in ms), dtype=bool, count=n)
        departments = sorted({m.department for m in ms if m.department is not None})
        code = {d: i for i, d in enumerate(departments)}
        self.dept = np.fromiter(
            (-1 if m.department is None else code[m.department] for m in ms), np.int64, n
        )
        self.offset = np.fromiter((m.utc_offset_minutes for m in ms), np.int64, n)
        self.prio = np.zeros(n, dtype=bool)
        sat = np.fromiter((index.get(u, -1) for u in history.sat_out_last_round), np.int64)
        self.prio[sat[sat >= 0]] = True
        self.quarter_used = np.zeros(n, dtype=np.int64)
        counted = np.fromiter((index.get(u, -1) for u in history.quarter_counts), np.int64)
        counts = np.fromiter(history.quarter_counts.values(), np.int64, len(counted))
        if (counts < 0).any():
            raise ValueError("quarter counts must be >= 0")
        self.quarter_used[counted[counted >= 0]] = counts[counted >= 0]
        places = np.full(n, rules.colleague_round_cap, dtype=np.int64)
        if rules.colleague_quarter_cap is not None:
            places = np.minimum(
                places, np.maximum(0, rules.colleague_quarter_cap - self.quarter_used)
            )
        self.places = np.where(self.is_ally, 0, places)

        # Hard rules as (x, y, why) member-index triples; -1 marks someone not present.
        manager = np.fromiter((index.get(m.manager_id, -1) for m in ms), np.int64, n)
        n_never = sum(len(m.never) for m in ms)
        owner = np.fromiter((i for i, m in enumerate(ms) for _ in m.never), np.int64, n_never)
        other = np.fromiter((index.get(u, -1) for m in ms for u in m.never), np.int64, n_never)
        admin_x, admin_y = _pair_arrays(rules.never_pairs, index)
        ended_x, ended_y = _pair_arrays(history.ended, index)
        x = np.concatenate([np.arange(n), owner, admin_x, ended_x])
        y = np.concatenate([manager, other, admin_y, ended_y])
        why = np.concatenate(
            [
                np.full(n, _MANAGER),
                np.full(n_never, _PERSONAL),
                np.full(len(admin_x), _ADMIN_NEVER),
                np.full(len(ended_x), _ENDED),
            ]
        ).astype(np.int64)
        keep = (x >= 0) & (y >= 0) & (x != y)
        keys = self.keys(x[keep], y[keep])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        kind_arr = why[keep][order]
        if len(keys):
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            self.blocked_keys = keys[starts]
            self.blocked_kinds = np.bitwise_or.reduceat(kind_arr, starts)
        else:
            self.blocked_keys = keys
            self.blocked_kinds = kind_arr
        self.blocked_lo, self.blocked_hi = self.split(self.blocked_keys)

        always_x, always_y = _pair_arrays(rules.always_pairs, index)
        keep = (always_x >= 0) & (always_y >= 0)
        self.always_keys = np.unique(self.keys(always_x[keep], always_y[keep]))
        self.always_lo, self.always_hi = self.split(self.always_keys)

        recent_x, recent_y = _pair_arrays(history.recent.keys(), index)
        ages = np.fromiter(history.recent.values(), np.int64, len(recent_x))
        if (ages < 1).any():
            raise ValueError("rounds ago must be >= 1 (1 = last round)")
        keep = (recent_x >= 0) & (recent_y >= 0) & (ages <= self.window)
        recent_keys = self.keys(recent_x[keep], recent_y[keep])
        ages = ages[keep]
        keep = ~_lookup(self.always_keys, recent_keys)[0]  # always pairs are never repeats
        order = np.argsort(recent_keys[keep], kind="stable")
        self.recent_keys = recent_keys[keep][order]
        self.recent_ages = ages[keep][order]
        self.recent_lo, self.recent_hi = self.split(self.recent_keys)

    def split(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pair keys back to (lower, higher) member indices."""
        return keys // max(self.n, 1), keys % max(self.n, 1)

    # Vectorised facts about pairs of member indices.

    def keys(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        return np.minimum(i, j) * self.n + np.maximum(i, j)

    def block(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Bit flags of the hard rules that forbid each pair (0: allowed)."""
        found, pos = _lookup(self.blocked_keys, self.keys(i, j))
        out = np.where(found, self.blocked_kinds[pos] if len(self.blocked_kinds) else 0, 0)
        return np.where(np.asarray(i) == np.asarray(j), _PERSONAL, out)

    def age(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Rounds since each pair last met, if within the window (else 0)."""
        found, pos = _lookup(self.recent_keys, self.keys(i, j))
        return np.where(found, self.recent_ages[pos] if len(self.recent_ages) else 0, 0)

    def always(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return _lookup(self.always_keys, self.keys(i, j))[0]

    def fresh(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Allowed by the hard rules and not a repeat."""
        return (self.block(i, j) == 0) & (self.age(i, j) == 0)

    def soft(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return _soft(self.dept[i], self.dept[j], self.offset[i], self.offset[j])


def _pair_arrays(
    pairs: Collection[frozenset[str]], index: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Member indices of two-person rules or history entries (-1: not present).

    Iterates without building a tuple per pair: a quarter of a million small
    allocations would cost more in garbage collection than the work itself.
    """
    if not all(len(p) == 2 for p in pairs):
        raise ValueError("every pair must name two different people")
    flat = np.fromiter(
        map(index.get, itertools.chain.from_iterable(pairs), itertools.repeat(-1)),
        np.int64,
        2 * len(pairs),
    )
    return flat[0::2], flat[1::2]


def _soft(
    dept_a: np.ndarray, dept_b: np.ndarray, off_a: np.ndarray, off_b: np.ndarray
) -> np.ndarray:
    d = np.abs(off_a - off_b) % _DAY
    overlap = np.maximum(0, _WORKDAY - np.minimum(d, _DAY - d))
    same = (dept_a == dept_b) & (dept_a >= 0)
    return DEPARTMENT_COST * same + HOURS_COST * (1.0 - overlap / _WORKDAY)


# ---------------------------------------------------------------------------
# Dense exact assignment


@dataclass(frozen=True)
class _Weights:
    """Weights that stack the priority levels (see the module docstring)."""

    fair: float
    always: float
    age: float
    repeat: float
    unmatched: float
    exact: bool


def _weights(pairs: int, cap: int, window: int) -> _Weights:
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
    return _Weights(float(fair), float(always), float(age), float(repeat), float(unmatched), exact)


def _cells(
    lo: np.ndarray,
    hi: np.ndarray,
    row_of: np.ndarray,
    place_order: np.ndarray,
    place_sorted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matrix cells (row, column, pair number) of member pairs, in either orientation.

    Rows are allies (``row_of`` maps member -> row or -1); columns are places,
    several per colleague, found by binary search in the sorted colleague column.
    """
    x = np.concatenate([lo, hi])
    y = np.concatenate([hi, lo])
    pair = np.concatenate([np.arange(len(lo)), np.arange(len(lo))])
    rows = row_of[x] if len(x) else np.zeros(0, dtype=np.int64)
    keep = rows >= 0
    x, y, pair, rows = x[keep], y[keep], pair[keep], rows[keep]
    start = np.searchsorted(place_sorted, y, "left")
    count = np.searchsorted(place_sorted, y, "right") - start
    rep = np.repeat(np.arange(len(y)), count)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    cols = place_order[start[rep] + within]
    return rows[rep], cols, pair[rep]


def _dense_assign(
    prog: _Programme,
    allies: np.ndarray,
    place_c: np.ndarray,
    place_s: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact assignment of allies to places; returns matched (ally row, place column)."""
    rows, cols = len(allies), len(place_c)
    empty = np.zeros(0, dtype=np.int64)
    if rows == 0 or cols == 0:
        return empty, empty
    w = _weights(min(rows, cols), int(place_s.max()) + 1, prog.window)
    cost = _soft(
        prog.dept[allies][:, None],
        prog.dept[place_c][None, :],
        prog.offset[allies][:, None],
        prog.offset[place_c][None, :],
    )
    cost -= w.fair * prog.prio[allies].astype(float)[:, None]
    cost -= w.fair * ((prog.prio[place_c] & (place_s == 0)) - place_s).astype(float)[None, :]
    row_of = np.full(prog.n, -1, dtype=np.int64)
    row_of[allies] = np.arange(rows)
    order = np.argsort(place_c, kind="stable")
    placed = place_c[order]
    r, c, k = _cells(prog.recent_lo, prog.recent_hi, row_of, order, placed)
    cost[r, c] += w.repeat + w.age * (prog.window + 1 - prog.recent_ages[k])
    r, c, _ = _cells(prog.always_lo, prog.always_hi, row_of, order, placed)
    cost[r, c] -= w.always
    r, c, _ = _cells(prog.blocked_lo, prog.blocked_hi, row_of, order, placed)
    infeasible = np.zeros((rows, cols), dtype=bool)
    infeasible[r, c] = True
    cost[r, c] = w.unmatched
    # A seeded shuffle decides ties, so different seeds give different (equally good) rounds.
    pr = rng.permutation(rows)
    pc = rng.permutation(cols)
    rr, cc = linear_sum_assignment(cost[np.ix_(pr, pc)])
    rr, cc = pr[rr], pc[cc]
    keep = ~infeasible[rr, cc]
    return rr[keep], cc[keep]


# ---------------------------------------------------------------------------
# Class-level transport + repair (large programmes)


def _transport(cost: np.ndarray, supply: np.ndarray, demand: np.ndarray) -> np.ndarray | None:
    """Integral min-cost flow filling min(supply, demand) units; None if the LP fails.

    A transportation LP has integral vertices and dual simplex returns a vertex,
    so rounding is exact. Large class counts keep only each class's cheapest arcs
    first and fall back to every arc if that is infeasible.
    """
    n_p, n_q = cost.shape
    total = min(int(supply.sum()), int(demand.sum()))
    if total == 0:
        return np.zeros_like(cost, dtype=np.int64)
    attempts = []
    if n_p * n_q > _ALL_ARCS:
        keep = np.zeros(cost.shape, dtype=bool)
        k = min(_ARCS_PER_CLASS, n_q)
        keep[np.arange(n_p)[:, None], np.argsort(cost, axis=1, kind="stable")[:, :k]] = True
        k = min(_ARCS_PER_CLASS, n_p)
        keep[np.argsort(cost, axis=0, kind="stable")[:k, :], np.arange(n_q)[None, :]] = True
        attempts.append(np.nonzero(keep))
    attempts.append(np.nonzero(np.ones(cost.shape, dtype=bool)))
    for pi, qi in attempts:
        nv = len(pi)
        ones = np.ones(nv)
        a_ub = vstack(
            [
                csr_matrix((ones, (pi, np.arange(nv))), shape=(n_p, nv)),
                csr_matrix((ones, (qi, np.arange(nv))), shape=(n_q, nv)),
            ]
        )
        res = linprog(
            cost[pi, qi],
            A_ub=a_ub,
            b_ub=np.concatenate([supply, demand]).astype(float),
            A_eq=csr_matrix(ones[None, :]),
            b_eq=[float(total)],
            bounds=(0, None),
            method="highs-ds",
        )
        if res.status != 0:
            continue
        x = np.rint(res.x).astype(np.int64)
        flows = np.zeros(cost.shape, dtype=np.int64)
        flows[pi, qi] = x
        if (
            np.abs(res.x - x).max(initial=0) < 1e-6
            and (x >= 0).all()
            and (flows.sum(axis=1) <= supply).all()
            and (flows.sum(axis=0) <= demand).all()
            and flows.sum() == total
        ):
            return flows
    return None


def _classes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Class of each item, a representative per class, and the items grouped by class."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    by_class = np.argsort(inverse, kind="stable")
    start = np.searchsorted(inverse[by_class], np.arange(len(first)))
    return inverse, first, by_class, start


def _class_assign(
    prog: _Programme,
    allies: np.ndarray,
    place_c: np.ndarray,
    place_s: np.ndarray,
    pinned: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
    stats: dict[str, int],
) -> tuple[np.ndarray, np.ndarray] | None:
    """Transport between (department, offset, fairness) classes, then repair.

    ``pinned`` (ally rows, place columns) are always-pairs placed beforehand; the
    transport deals out everyone else. Returns matched (ally row, place column),
    or None when the classes are too many for the transport problem to pay off.
    """
    rows, cols = len(allies), len(place_c)
    cap = int(place_s.max()) + 1
    base_a = (prog.dept[allies] + 1) * (3 * _DAY) + prog.offset[allies] + _DAY
    a_key = base_a * 2 + prog.prio[allies]
    prio0 = prog.prio[place_c] & (place_s == 0)
    base_c = (prog.dept[place_c] + 1) * (3 * _DAY) + prog.offset[place_c] + _DAY
    c_key = (base_c * 2 + prio0) * cap + place_s
    a_cls, a_rep, a_by, a_start = _classes(a_key)
    c_cls, c_rep, c_by, c_start = _classes(c_key)
    n_p, n_q = len(a_rep), len(c_rep)
    stats["classes"] = n_p + n_q
    if n_p * n_q > _MAX_CLASS_CELLS:
        return None
    # Fairness outweighs any soft-cost swing along one augmenting path of the transport.
    fair_weight = 4.0 * (min(n_p, n_q) + 1) + 1
    ra, rc = allies[a_rep], place_c[c_rep]
    cost = _soft(
        prog.dept[ra][:, None],
        prog.dept[rc][None, :],
        prog.offset[ra][:, None],
        prog.offset[rc][None, :],
    )
    cost -= fair_weight * prog.prio[ra].astype(float)[:, None]
    cost -= fair_weight * (prio0[c_rep].astype(float) - place_s[c_rep])[None, :]
    free_a = np.ones(rows, dtype=bool)
    free_a[pinned[0]] = False
    free_c = np.ones(cols, dtype=bool)
    free_c[pinned[1]] = False
    supply = np.bincount(a_cls[free_a], minlength=n_p)
    flows = _transport(cost, supply, np.bincount(c_cls[free_c], minlength=n_q))
    if flows is None:
        return None

    # Deal members out inside their classes, in a seeded random order.
    a_order = np.lexsort((rng.permutation(rows), a_cls))
    a_order = a_order[free_a[a_order]]
    c_order = np.lexsort((rng.permutation(cols), c_cls))
    c_order = c_order[free_c[c_order]]
    a_first = np.searchsorted(a_cls[a_order], np.arange(n_p))
    c_first = np.searchsorted(c_cls[c_order], np.arange(n_q))
    pi, qi = np.nonzero(flows)  # row-major: sorted by ally class, then place class
    f = flows[pi, qi]
    a_off = a_first[pi] + (np.cumsum(f) - f) - (np.cumsum(f) - f)[np.searchsorted(pi, pi)]
    by_q = np.lexsort((pi, qi))
    fq = f[by_q]
    c_off_sorted = (
        c_first[qi[by_q]]
        + (np.cumsum(fq) - fq)
        - (np.cumsum(fq) - fq)[np.searchsorted(qi[by_q], qi[by_q])]
    )
    c_off = np.empty_like(c_off_sorted)
    c_off[by_q] = c_off_sorted
    rep = np.repeat(np.arange(len(f)), f)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(f) - f, f)
    matched_a = a_order[a_off[rep] + within]
    matched_c = c_order[c_off[rep] + within]

    slot_of = np.full(rows, -1, dtype=np.int64)  # ally row -> place column
    ally_of = np.full(cols, -1, dtype=np.int64)  # place column -> ally row
    slot_of[matched_a] = matched_c
    ally_of[matched_c] = matched_a
    slot_of[pinned[0]] = pinned[1]
    ally_of[pinned[1]] = pinned[0]
    _repair(prog, allies, place_c, place_s, slot_of, ally_of, ~free_a, (a_cls, a_by, a_start),
            (c_cls, c_by, c_start), rng, stats)  # fmt: skip
    r = np.flatnonzero(slot_of >= 0)
    return r, slot_of[r]


def _repair(
    prog: _Programme,
    allies: np.ndarray,
    place_c: np.ndarray,
    place_s: np.ndarray,
    slot_of: np.ndarray,
    ally_of: np.ndarray,
    pinned: np.ndarray,
    a_classes: tuple[np.ndarray, np.ndarray, np.ndarray],
    c_classes: tuple[np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
    stats: dict[str, int],
) -> None:
    """Fix pairs that break a hard rule or repeat, in place.

    First by swapping with a same-class partner (which keeps every cost level;
    ``pinned`` allies, in always-pairs, are not swapped), then by an exact dense
    assignment over the leftovers and a neighbourhood of same-class and random
    pairs around them, which weighs always-pairs like the dense solver does.
    """
    a_cls, a_by, a_start = a_classes
    c_cls, c_by, c_start = c_classes
    a_size = np.diff(np.r_[a_start, len(a_by)])
    c_size = np.diff(np.r_[c_start, len(c_by)])

    def bad_places() -> np.ndarray:
        k = np.flatnonzero(ally_of >= 0)
        return k[~prog.fresh(allies[ally_of[k]], place_c[k])]

    def ok(a_rows: np.ndarray, k_cols: np.ndarray) -> np.ndarray:
        """Ally row may take place column (-1 on either side: nothing to check)."""
        valid = (a_rows >= 0) & (k_cols >= 0)
        out = np.ones(a_rows.shape, dtype=bool)
        out[valid] = prog.fresh(allies[a_rows[valid]], place_c[k_cols[valid]])
        return out

    stats["conflicts"] = len(bad_places())
    for _ in range(_SWAP_ROUNDS):
        bad = bad_places()
        if len(bad) == 0:
            break
        # Swap the ally's place with a same-class ally (matched or not).
        a = ally_of[bad]
        p = a_cls[a]
        other = a_by[
            a_start[p][:, None] + rng.integers(0, a_size[p][:, None], (len(bad), _SWAP_TRIES))
        ]
        other_slot = slot_of[other]
        valid = (other != a[:, None]) & ~pinned[other]
        valid &= ok(other, np.broadcast_to(bad[:, None], other.shape))
        valid &= ok(np.broadcast_to(a[:, None], other.shape), other_slot)
        touched_a = np.zeros(len(slot_of), dtype=bool)
        touched_k = np.zeros(len(ally_of), dtype=bool)
        for b in range(len(bad)):
            k, ai = bad[b], a[b]
            for t in np.flatnonzero(valid[b]):
                o, ok_ = other[b, t], other_slot[b, t]
                if touched_a[o] or touched_a[ai] or touched_k[k] or (ok_ >= 0 and touched_k[ok_]):
                    continue
                ally_of[k] = o
                slot_of[o] = k
                slot_of[ai] = ok_
                if ok_ >= 0:
                    ally_of[ok_] = ai
                touched_a[[o, ai]] = True
                touched_k[k] = True
                if ok_ >= 0:
                    touched_k[ok_] = True
                stats["swaps"] = stats.get("swaps", 0) + 1
                break
        bad = bad_places()
        if len(bad) == 0:
            break
        # Swap the place's ally with a same-class place (filled or not).
        a = ally_of[bad]
        q = c_cls[bad]
        other = c_by[
            c_start[q][:, None] + rng.integers(0, c_size[q][:, None], (len(bad), _SWAP_TRIES))
        ]
        other_ally = ally_of[other]
        valid = (other != bad[:, None]) & ~((other_ally >= 0) & pinned[np.maximum(other_ally, 0)])
        valid &= ok(np.broadcast_to(a[:, None], other.shape), other)
        valid &= ok(other_ally, np.broadcast_to(bad[:, None], other.shape))
        touched_a[:] = False
        touched_k[:] = False
        for b in range(len(bad)):
            k, ai = bad[b], a[b]
            for t in np.flatnonzero(valid[b]):
                o, oa = other[b, t], other_ally[b, t]
                if touched_k[o] or touched_k[k] or touched_a[ai] or (oa >= 0 and touched_a[oa]):
                    continue
                ally_of[o] = ai
                slot_of[ai] = o
                ally_of[k] = oa
                if oa >= 0:
                    slot_of[oa] = k
                touched_k[[o, k]] = True
                touched_a[ai] = True
                if oa >= 0:
                    touched_a[oa] = True
                stats["swaps"] = stats.get("swaps", 0) + 1
                break

    bad = bad_places()
    stats["local_repairs"] = 0
    for chunk_start in range(0, len(bad), _LOCAL_CHUNK):
        chunk = bad[chunk_start : chunk_start + _LOCAL_CHUNK]
        a = ally_of[chunk]
        a = a[a >= 0]
        p = a_cls[a]
        q = c_cls[chunk]
        near_a = a_by[
            (
                a_start[p][:, None] + rng.integers(0, a_size[p][:, None], (len(a), _NEIGHBOURS))
            ).ravel()
        ]
        near_k = c_by[
            (
                c_start[q][:, None] + rng.integers(0, c_size[q][:, None], (len(chunk), _NEIGHBOURS))
            ).ravel()
        ]
        rand_a = rng.integers(0, len(slot_of), 4 * _NEIGHBOURS)
        rand_k = rng.integers(0, len(ally_of), 4 * _NEIGHBOURS)
        sub_a = np.unique(
            np.concatenate([a, near_a, rand_a, ally_of[chunk], ally_of[near_k], ally_of[rand_k]])
        )
        sub_a = sub_a[sub_a >= 0]
        sub_k = np.unique(np.concatenate([chunk, near_k, rand_k, slot_of[sub_a]]))
        sub_k = sub_k[sub_k >= 0]
        sub_a = np.unique(np.concatenate([sub_a, ally_of[sub_k]]))
        sub_a = sub_a[sub_a >= 0]
        slot_of[sub_a] = -1
        ally_of[sub_k] = -1
        r, c = _dense_assign(prog, allies[sub_a], place_c[sub_k], place_s[sub_k], rng)
        slot_of[sub_a[r]] = sub_k[c]
        ally_of[sub_k[c]] = sub_a[r]
        stats["local_repairs"] += 1


def _block_assign(
    prog: _Programme,
    allies: np.ndarray,
    place_c: np.ndarray,
    place_s: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Last resort for huge class counts: exact assignment inside random blocks."""
    blocks = max(1, int(np.ceil(len(allies) * len(place_c) / DENSE_CELLS)))
    blocks = min(blocks, len(allies), len(place_c))
    a_block = rng.permutation(len(allies)) % blocks
    c_block = rng.permutation(len(place_c)) % blocks
    out_r, out_c = [], []
    for b in range(blocks):
        ra = np.flatnonzero(a_block == b)
        rc = np.flatnonzero(c_block == b)
        r, c = _dense_assign(prog, allies[ra], place_c[rc], place_s[rc], rng)
        out_r.append(ra[r])
        out_c.append(rc[c])
    return np.concatenate(out_r), np.concatenate(out_c)


def _buddy_pairs(
    prog: _Programme, solver: Solver, rng: np.random.Generator, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, bool]:
    """The buddy matching as ally and colleague member indices sorted by ally, and
    whether it is exact.

    Exact means the dense solver ran with weights that make the priority order
    strictly lexicographic, so "no repeat-free matching exists" is a proof.
    """
    allies = np.flatnonzero(prog.is_ally)
    place_c = np.repeat(np.arange(prog.n), prog.places)
    place_s = np.arange(len(place_c)) - np.repeat(np.cumsum(prog.places) - prog.places, prog.places)
    if len(allies) == 0 or len(place_c) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), True
    cells = len(allies) * len(place_c)
    if solver == "dense" or (solver == "auto" and cells <= DENSE_CELLS):
        r, c = _dense_assign(prog, allies, place_c, place_s, rng)
        notes.append(
            f"Solver: exact assignment over {len(allies)} allies x {len(place_c)} colleague places."
        )
        exact = _weights(min(len(allies), len(place_c)), int(place_s.max()) + 1, prog.window).exact
        order = np.argsort(allies[r], kind="stable")
        return allies[r][order], place_c[c][order], exact

    # Always pairs first: the transport works on classes and cannot see them.
    pinned_a: list[int] = []
    pinned_c: list[int] = []
    used = np.zeros(prog.n, dtype=bool)
    taken = np.zeros(prog.n, dtype=np.int64)
    first_place = np.cumsum(prog.places) - prog.places
    for lo, hi in zip(prog.always_lo.tolist(), prog.always_hi.tolist(), strict=True):
        if prog.is_ally[lo] == prog.is_ally[hi]:
            continue
        a, c = (lo, hi) if prog.is_ally[lo] else (hi, lo)
        if used[a] or taken[c] == prog.places[c] or prog.block(np.array([a]), np.array([c]))[0]:
            continue
        used[a] = True
        pinned_a.append(int(np.searchsorted(allies, a)))
        pinned_c.append(int(first_place[c] + taken[c]))
        taken[c] += 1
    pinned = (np.asarray(pinned_a, dtype=np.int64), np.asarray(pinned_c, dtype=np.int64))
    stats: dict[str, int] = {}
    result = _class_assign(prog, allies, place_c, place_s, pinned, rng, stats)
    if result is None:
        r, c = _block_assign(prog, allies, place_c, place_s, rng)
        notes.append(
            f"Solver: too many distinct classes ({stats.get('classes', 0)}); "
            "exact assignment inside random blocks (best effort)."
        )
    else:
        r, c = result
        notes.append(
            f"Solver: class transport over {stats['classes']} classes; "
            f"{stats['conflicts']} rule or repeat conflicts repaired by "
            f"{stats.get('swaps', 0)} same-class swaps and {stats['local_repairs']} "
            "local exact re-assignments."
        )
    order = np.argsort(r, kind="stable")  # by ally, as allies are sorted
    return allies[r[order]], place_c[c[order]], False


# ---------------------------------------------------------------------------
# Leftovers: colleague trios, peer pairs


def _join_trios(
    prog: _Programme,
    joiners: list[int],
    hosts: np.ndarray,
    must_be_fresh: list[int],
) -> tuple[np.ndarray, list[int]]:
    """Let each joiner become the third member of a two-person host group.

    ``hosts`` is a (groups, 2) array of member indices. The joiner must be allowed
    with both host members by the hard rules, and must not be a repeat with the
    host positions in ``must_be_fresh``. The joiner goes where the soft cost added
    is lowest; each host takes one. Returns the joiner per host (-1: none) and
    who found no host.
    """
    extra = np.full(len(hosts), -1, dtype=np.int64)
    if len(hosts) == 0:
        return extra, list(joiners)
    left = []
    for u in joiners:
        us = np.full(len(hosts), u)
        ok = (extra < 0) & (prog.block(us, hosts[:, 0]) == 0) & (prog.block(us, hosts[:, 1]) == 0)
        added = np.zeros(len(hosts))
        for pos in must_be_fresh:
            ok &= prog.age(us, hosts[:, pos]) == 0
            added += prog.soft(us, hosts[:, pos])
        if not ok.any():
            left.append(u)
            continue
        extra[int(np.flatnonzero(ok)[np.argmin(added[ok])])] = u
    return extra, left


def _exact_peers(prog: _Programme, items: list[int]) -> list[tuple[int, int]]:
    """Most peer pairs, then cheapest, by exhaustive search (a handful of allies)."""
    n = len(items)
    arr = np.asarray(items, dtype=np.int64)
    ii, jj = np.meshgrid(arr, arr, indexing="ij")
    ok = prog.fresh(ii.ravel(), jj.ravel()).reshape(n, n)
    cost = prog.soft(ii.ravel(), jj.ravel()).reshape(n, n)

    @cache
    def best(mask: int) -> tuple[int, float, tuple[tuple[int, int], ...]]:
        if mask == 0:
            return 0, 0.0, ()
        i = (mask & -mask).bit_length() - 1
        rest = mask & ~(1 << i)
        result = best(rest)
        for j in range(i + 1, n):
            if rest >> j & 1 and ok[i, j]:
                sub = best(rest & ~(1 << j))
                cand = (sub[0] - 1, sub[1] + float(cost[i, j]), ((i, j), *sub[2]))
                if cand[:2] < result[:2]:
                    result = cand
        return result

    return [(items[i], items[j]) for i, j in best((1 << n) - 1)[2]]


def _heuristic_peers(
    prog: _Programme, items: list[int], rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Neighbours by time zone with departments interleaved, then local fixes.

    Sorting by offset and dealing departments round-robin puts people with the
    same working hours and different departments next to each other; pairs that
    break a rule swap partners with a nearby pair, and whoever is still stuck is
    paired greedily among the stuck.
    """
    arr = np.asarray(items, dtype=np.int64)
    noise = rng.permutation(len(arr))
    first = np.lexsort((noise, prog.dept[arr], prog.offset[arr]))
    group = prog.offset[arr][first] * 10_000 + prog.dept[arr][first]
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    rank = np.empty(len(arr), dtype=np.int64)
    rank[first] = np.arange(len(arr)) - np.repeat(starts, np.diff(np.r_[starts, len(arr)]))
    order = arr[np.lexsort((noise, prog.dept[arr], rank, prog.offset[arr]))]
    half = len(order) // 2
    xs, ys = order[0 : 2 * half : 2].copy(), order[1 : 2 * half : 2].copy()
    stuck: list[int] = [int(order[-1])] if len(order) % 2 else []
    bad = np.flatnonzero(~prog.fresh(xs, ys))
    broken = np.zeros(half, dtype=bool)
    broken[bad] = True
    for t in bad.tolist():
        if not broken[t]:
            continue
        for d in (1, -1, 2, -2, 3, -3):
            u = t + d
            if not 0 <= u < half:
                continue
            t_ok, u_ok = prog.fresh(np.array([xs[t], xs[u]]), np.array([ys[u], ys[t]]))
            if t_ok and (u_ok or broken[u]):
                ys[t], ys[u] = ys[u], ys[t]
                broken[t] = False
                broken[u] = not u_ok
                break
    pairs = [(int(x), int(y)) for x, y, b in zip(xs, ys, broken, strict=True) if not b]
    stuck += [int(v) for t in np.flatnonzero(broken) for v in (xs[t], ys[t])]
    stuck.sort()
    while len(stuck) > 1:
        u = stuck.pop(0)
        rest = np.asarray(stuck, dtype=np.int64)
        us = np.full(len(rest), u)
        ok = prog.fresh(us, rest)
        if ok.any():
            soft = prog.soft(us, rest)
            j = int(np.flatnonzero(ok)[np.argmin(soft[ok])])
            pairs.append((u, stuck.pop(j)))
    return pairs


def _peer_groups(
    prog: _Programme, leftover: list[int], rng: np.random.Generator
) -> tuple[list[list[int]], list[int]]:
    """Peer pairs (and trios) among leftover allies; returns groups and who is left."""
    groups: list[list[int]] = []
    free = set(leftover)
    for lo, hi in zip(prog.always_lo.tolist(), prog.always_hi.tolist(), strict=True):
        if lo in free and hi in free and prog.block(np.array([lo]), np.array([hi]))[0] == 0:
            groups.append([lo, hi])
            free -= {lo, hi}
    rest = sorted(free)
    if len(rest) <= _EXACT_PEERS:
        pairs = _exact_peers(prog, rest)
    else:
        pairs = _heuristic_peers(prog, rest, rng)
    groups += [sorted(p) for p in pairs]
    paired = {u for g in groups for u in g}
    unmatched = [u for u in leftover if u not in paired]
    extra, left = _join_trios(
        prog, unmatched, np.asarray(groups, dtype=np.int64).reshape(-1, 2), must_be_fresh=[0, 1]
    )
    for g, e in zip(groups, extra.tolist(), strict=True):
        if e >= 0:
            g.append(e)
    return groups, left


# ---------------------------------------------------------------------------
# Reasons and the report


def _kinds_text(kinds: int) -> str:
    parts = [text for flag, text in _KIND_TEXT if kinds & flag]
    return ", ".join(parts) if parts else "the rules"


def _blocked_partners(prog: _Programme, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per member: how many ``available`` people the hard rules block, and why (flags)."""
    lo, hi, kinds = prog.blocked_lo, prog.blocked_hi, prog.blocked_kinds
    count = np.bincount(lo[available[hi]], minlength=prog.n) + np.bincount(
        hi[available[lo]], minlength=prog.n
    )
    why = np.zeros(prog.n, dtype=np.int64)
    np.bitwise_or.at(why, lo[available[hi]], kinds[available[hi]])
    np.bitwise_or.at(why, hi[available[lo]], kinds[available[lo]])
    return count, why


def plan_round(
    members: Sequence[Member],
    rules: Rules,
    history: History,
    seed: int,
    *,
    solver: Solver = "auto",
) -> RoundPlan:
    """Plan one round. Same input and seed give the same plan, in any input order.

    ``solver`` is for benchmarks and tests: ``dense`` forces the exact
    assignment, ``classes`` the class transport; ``auto`` picks by size.
    """
    if solver not in ("auto", "dense", "classes"):
        raise ValueError(f"unknown solver {solver!r}")
    prog = _Programme(members, rules, history)
    rng = np.random.default_rng(seed % 2**64)
    notes: list[str] = []
    pair_a, pair_c, exact = _buddy_pairs(prog, solver, rng, notes)

    n_allies = np.bincount(pair_c, minlength=prog.n)
    ally_used = np.zeros(prog.n, dtype=bool)
    ally_used[pair_a] = True

    # A colleague with places but no ally joins a buddy pair rather than be alone.
    alone = np.flatnonzero(~prog.is_ally & (prog.places > 0) & (n_allies == 0)).tolist()
    extra, still_alone = _join_trios(
        prog, alone, np.stack([pair_a, pair_c], axis=1), must_be_fresh=[0]
    )

    leftover = np.flatnonzero(prog.is_ally & ~ally_used).tolist()
    peers: list[list[int]] = []
    peer_left = leftover
    if rules.peer_pairs and leftover:
        peers, peer_left = _peer_groups(prog, leftover, rng)

    sat_out = _reasons(prog, rules, leftover, peer_left, still_alone)
    repeats = _repeats(prog, pair_a, pair_c)
    ids = prog.ids
    # Pairs come sorted by ally, and an ally is in one group: already canonical order.
    groups = [
        Group((ids[a], ids[c]) if e < 0 else (ids[a], ids[c], ids[e]), "buddy")
        for a, c, e in zip(pair_a.tolist(), pair_c.tolist(), extra.tolist(), strict=True)
    ]
    groups += [Group(m, "peer") for m in sorted(tuple(sorted(ids[u] for u in g)) for g in peers)]
    joined = extra >= 0
    cost = float(
        np.sum(prog.soft(pair_a, pair_c)) + np.sum(prog.soft(pair_a[joined], extra[joined]))
    )
    notes = _report(prog, rules, groups, sat_out, repeats, pair_a, pair_c, exact, notes)
    return RoundPlan(tuple(groups), tuple(sat_out), tuple(repeats), tuple(notes), round(cost, 9))


def _repeats(prog: _Programme, pair_a: np.ndarray, pair_c: np.ndarray) -> list[Repeat]:
    ages = prog.age(pair_a, pair_c)
    hit = np.flatnonzero(ages)
    # Pairs come sorted by ally and an ally has one buddy: already in canonical order.
    return [
        Repeat((prog.ids[x], prog.ids[y]), g)
        for x, y, g in zip(
            pair_a[hit].tolist(), pair_c[hit].tolist(), ages[hit].tolist(), strict=True
        )
    ]


def _reasons(
    prog: _Programme,
    rules: Rules,
    leftover: list[int],
    allies_left: list[int],
    colleagues_left: list[int],
) -> list[SitOut]:
    """A reason for everyone not in a group."""
    out: list[SitOut] = []
    colleague_places = ~prog.is_ally & (prog.places > 0)
    c_count, c_why = _blocked_partners(prog, colleague_places)
    a_count, a_why = _blocked_partners(prog, prog.is_ally)
    n_places = int(colleague_places.sum())
    n_allies = int(prog.is_ally.sum())
    pool = np.asarray(leftover, dtype=np.int64)
    for u in allies_left:
        if rules.peer_pairs and len(leftover) >= 2:
            others = pool[pool != u]
            us = np.full(len(others), u)
            why = prog.block(us, others) | np.where(prog.age(us, others) > 0, _REPEAT_WINDOW, 0)
            if len(others) and (why != 0).all():
                text = _kinds_text(int(np.bitwise_or.reduce(why)))
                out.append(
                    SitOut(prog.ids[u], NO_ALLOWED_PARTNER, f"no allowed peer partner: {text}")
                )
            else:
                out.append(
                    SitOut(
                        prog.ids[u],
                        ODD_ONE_OUT,
                        "odd one out: no peer pair could take a third member",
                    )
                )
        elif rules.peer_pairs:
            out.append(
                SitOut(
                    prog.ids[u],
                    ODD_ONE_OUT,
                    "odd one out: the only ally without a buddy this round, so no peer pair",
                )
            )
        elif n_places and c_count[u] >= n_places:
            out.append(
                SitOut(
                    prog.ids[u],
                    NO_ALLOWED_PARTNER,
                    f"no allowed partner: {_kinds_text(int(c_why[u]))}",
                )
            )
        elif n_places == 0:
            out.append(SitOut(prog.ids[u], NO_PLACE, "no colleague places this round"))
        else:
            out.append(
                SitOut(prog.ids[u], NO_PLACE, "more allies than colleague places this round")
            )
    for u in colleagues_left:
        if n_allies and a_count[u] >= n_allies:
            out.append(
                SitOut(
                    prog.ids[u],
                    NO_ALLOWED_PARTNER,
                    f"no allowed partner: {_kinds_text(int(a_why[u]))}",
                )
            )
        else:
            out.append(SitOut(prog.ids[u], NO_PLACE, "more colleagues than ally places this round"))
    cap = rules.colleague_quarter_cap
    for u in np.flatnonzero(~prog.is_ally & (prog.places == 0)).tolist():
        used = int(prog.quarter_used[u])
        out.append(
            SitOut(
                prog.ids[u], QUARTER_CAP, f"quarterly cap reached ({used} of {cap} this quarter)"
            )
        )
    out.sort(key=lambda s: s.user_id)
    return out


def _report(
    prog: _Programme,
    rules: Rules,
    groups: list[Group],
    sat_out: list[SitOut],
    repeats: list[Repeat],
    pair_a: np.ndarray,
    pair_c: np.ndarray,
    exact: bool,
    solver_notes: list[str],
) -> list[str]:
    buddy = [g for g in groups if g.kind == "buddy"]
    peer = [g for g in groups if g.kind == "peer"]
    notes = [
        f"{sum(len(g.members) == 2 for g in buddy)} buddy pairs, "
        f"{sum(len(g.members) == 3 for g in buddy)} buddy trios, "
        f"{sum(len(g.members) == 2 for g in peer)} peer pairs, "
        f"{sum(len(g.members) == 3 for g in peer)} peer trios; {len(sat_out)} sitting out."
    ]
    if repeats:
        shown = ", ".join(
            f"{r.members[0]}-{r.members[1]} ({r.rounds_ago} rounds ago)" for r in repeats[:20]
        )
        more = f" and {len(repeats) - 20} more" if len(repeats) > 20 else ""
        claim = "no repeat-free matching exists" if exact else "no repeat-free matching was found"
        notes.append(
            f"{len(repeats)} repeat(s): {claim} that fills as many places, so the fewest "
            f"and oldest repeats were chosen: {shown}{more}."
        )
    prio = np.flatnonzero(prog.prio)
    if len(prio):
        paired = np.zeros(prog.n, dtype=bool)
        paired[pair_a] = True
        paired[pair_c] = True
        got = int(paired[prio].sum())
        notes.append(f"{got} of {len(prio)} who sat out last round have a buddy this round.")
    wanted = {u for p in rules.always_pairs for u in p}
    together = {
        frozenset(p)
        for g in groups
        if not wanted.isdisjoint(g.members)
        for p in itertools.combinations(g.members, 2)
    }
    for pair in sorted(tuple(sorted(p)) for p in rules.always_pairs):
        x, y = pair
        label = f"Always-pair {x}-{y}"
        if x not in prog.index or y not in prog.index:
            missing = x if x not in prog.index else y
            notes.append(f"{label}: skipped, {missing} is not an active member.")
            continue
        i, j = prog.index[x], prog.index[y]
        if frozenset(pair) in together:
            continue
        if prog.block(np.array([i]), np.array([j]))[0]:
            notes.append(f"{label}: not honoured, a never, ended or manager rule forbids it.")
        elif not prog.is_ally[i] and not prog.is_ally[j]:
            notes.append(f"{label}: not applicable, both are colleagues.")
        elif prog.is_ally[i] and prog.is_ally[j] and not rules.peer_pairs:
            notes.append(f"{label}: not applicable, both are allies and peer pairs are off.")
        elif prog.places[j if prog.is_ally[i] else i] == 0 and prog.is_ally[i] != prog.is_ally[j]:
            notes.append(f"{label}: not honoured, the colleague's quarterly cap is reached.")
        else:
            notes.append(
                f"{label}: not honoured, it clashed with filling places, avoiding repeats "
                "or another always-pair."
            )
    return notes + solver_notes


# ---------------------------------------------------------------------------
# Independent checker


def violations(
    plan: RoundPlan, members: Sequence[Member], rules: Rules, history: History
) -> list[str]:
    """Every way ``plan`` breaks the rules; empty when it is valid.

    Written independently of the engine (plain Python over the inputs), for tests
    and the benchmark. Checks group shapes, caps, hard rules, peer repeats, that
    every buddy repeat is reported, and that everyone is grouped or sits out.
    """
    problems: list[str] = []
    by_id = {m.user_id: m for m in members}
    places = place_counts(members, rules, history)
    allies_of: dict[str, int] = {}
    grouped: set[str] = set()
    ally_groups: dict[str, int] = {}
    found_repeats: set[tuple[tuple[str, str], int]] = set()

    def recent(x: str, y: str) -> int | None:
        key = frozenset((x, y))
        ago = history.recent.get(key)
        if ago is None or ago > rules.repeat_window or key in rules.always_pairs:
            return None
        return ago

    for g in plan.groups:
        unknown = [u for u in g.members if u not in by_id]
        if unknown:
            problems.append(f"{g.members}: unknown member(s) {unknown}")
            continue
        if len(set(g.members)) != len(g.members):
            problems.append(f"{g.members}: someone is listed twice")
            continue
        roles = [by_id[u].role for u in g.members]
        allies = [u for u in g.members if by_id[u].role == "ally"]
        if g.kind == "buddy":
            if len(g.members) not in (2, 3) or roles.count("ally") != 1:
                problems.append(f"{g.members}: a buddy group is one ally and one or two colleagues")
                continue
            for c in g.members:
                if by_id[c].role == "colleague":
                    allies_of[c] = allies_of.get(c, 0) + 1
                    ago = recent(allies[0], c)
                    if ago is not None:
                        found_repeats.add(((allies[0], c), ago))
        elif g.kind == "peer":
            if not rules.peer_pairs:
                problems.append(f"{g.members}: peer group while peer pairs are off")
            if len(g.members) not in (2, 3) or set(roles) != {"ally"}:
                problems.append(f"{g.members}: a peer group is two or three allies")
                continue
            for x, y in itertools.combinations(g.members, 2):
                if recent(x, y) is not None:
                    problems.append(f"{g.members}: peers {x} and {y} met within the window")
        else:
            problems.append(f"{g.members}: unknown group kind {g.kind!r}")
            continue
        for x, y in itertools.combinations(g.members, 2):
            if forbidden(by_id[x], by_id[y], rules, history):
                problems.append(f"{g.members}: {x} and {y} may not be grouped (hard rule)")
        for a in allies:
            ally_groups[a] = ally_groups.get(a, 0) + 1
        grouped.update(g.members)
    for a, n in ally_groups.items():
        if n > 1:
            problems.append(f"ally {a} is in {n} groups")
    for c, n in allies_of.items():
        if n > places.get(c, 0):
            problems.append(f"colleague {c} has {n} allies, cap allows {places.get(c, 0)}")
    listed = {(r.members, r.rounds_ago) for r in plan.repeats}
    for r in sorted(found_repeats - listed):
        problems.append(f"repeat {r[0]} ({r[1]} rounds ago) is not reported")
    for r in sorted(listed - found_repeats):
        problems.append(f"reported repeat {r[0]} is not in the plan")
    seen_out: set[str] = set()
    for s in plan.sat_out:
        if s.user_id in seen_out:
            problems.append(f"{s.user_id} sits out twice")
        seen_out.add(s.user_id)
        if s.user_id in grouped:
            problems.append(f"{s.user_id} is grouped and sits out")
        if not s.reason_code or not s.reason:
            problems.append(f"{s.user_id} sits out without a reason")
        if s.user_id not in by_id:
            problems.append(f"{s.user_id} sits out but is not a member")
    for u in by_id:
        if u not in grouped and u not in seen_out:
            problems.append(f"{u} is neither grouped nor sitting out")
    return problems


def advance(history: History, plan: RoundPlan, *, keep_rounds: int = 52) -> History:
    """The history after ``plan`` ran: ages +1, the plan's groups met 1 round ago.

    Everyone who shared a group counts as having met. Quarter counts grow by the
    allies each colleague got (start a new quarter by passing empty counts).
    """
    recent = {p: a + 1 for p, a in history.recent.items() if a + 1 <= keep_rounds}
    counts = dict(history.quarter_counts)
    for g in plan.groups:
        for x, y in itertools.combinations(g.members, 2):
            recent[frozenset((x, y))] = 1
        if g.kind == "buddy":
            for c in g.members[1:]:
                counts[c] = counts.get(c, 0) + 1
    return History(
        recent=recent,
        ended=history.ended,
        sat_out_last_round=frozenset(s.user_id for s in plan.sat_out),
        quarter_counts=counts,
    )
