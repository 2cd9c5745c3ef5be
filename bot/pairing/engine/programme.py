"""One round's input as arrays, with vectorised look-ups of the rules and history.

Everything downstream (solvers, leftovers, reasons) asks questions about pairs of
members: is this pair blocked and why, did they meet recently, is it an always
pair, what does it cost. Asked one pair at a time in Python, a 100,000-member round
would spend minutes on them; here every question is answered for whole arrays of
candidate pairs by one binary search over sorted pair keys.

Members are sorted by user id before anything else, which is what makes a plan
independent of the order the caller listed them in.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from typing import Final

import numpy as np

from bot.pairing.engine.arrays import Bools, Floats, Ints
from bot.pairing.engine.costs import member_window, soft_cost
from bot.pairing.engine.model import History, Member, Rules

# Why a pair is blocked (bit flags, so one pair can have several reasons).
_PERSONAL: Final = 1
_ADMIN_NEVER: Final = 2
_ENDED: Final = 4
_MANAGER: Final = 8
#: Not a hard rule for buddies (they may repeat as a last resort), but peer pairs
#: never repeat, so a sit-out reason for a peer can name it alongside the others.
REPEAT_WINDOW: Final = 16
_KIND_TEXT: Final = (
    (_PERSONAL | _ADMIN_NEVER, "never-rules"),
    (_ENDED, "ended pairs"),
    (_MANAGER, "manager line"),
    (REPEAT_WINDOW, "repeat window"),
)


def blocked_text(kinds: int) -> str:
    """The block flags in words, for a sit-out reason a member can read."""
    parts = [text for flag, text in _KIND_TEXT if kinds & flag]
    return ", ".join(parts) if parts else "the rules"


def _lookup(keys: Ints, query: Ints) -> tuple[Bools, Ints]:
    """Whether each of ``query`` is in the sorted unique ``keys``, and where."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=bool), np.zeros(len(query), dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return keys[pos] == query, pos


class ProgrammeArrays:
    """One round's input as arrays indexed by member (members sorted by user id).

    ``ids`` and ``index`` map between member index and user id. Per member:
    ``is_ally``, ``dept`` (a department code, -1 for none), ``work`` (the working
    window on the UTC day, :func:`~bot.pairing.engine.costs.window_code`), ``prio``
    (sat out last round, so first in line), ``quarter_used`` and
    ``places`` (how many allies a colleague may get this round; 0 for allies).

    Pairs are stored as sorted int64 keys ``min * n + max`` so that rule and
    history look-ups for a million candidate pairs are one ``searchsorted``.
    """

    def __init__(self, members: Sequence[Member], rules: Rules, history: History) -> None:
        ms = sorted(members, key=lambda m: m.user_id)
        ids = [m.user_id for m in ms]
        for a, b in itertools.pairwise(ids):
            if a == b:
                raise ValueError(f"member {a!r} is listed twice")
        self.ids = ids
        self.n = n = len(ms)
        self.index = index = {u: i for i, u in enumerate(ids)}
        self.window = rules.repeat_window
        self.is_ally: Bools = np.fromiter((m.role == "ally" for m in ms), dtype=bool, count=n)
        departments = sorted({m.department for m in ms if m.department is not None})
        code = {d: i for i, d in enumerate(departments)}
        self.dept: Ints = np.fromiter(
            (-1 if m.department is None else code[m.department] for m in ms), np.int64, n
        )
        self.work: Ints = np.fromiter(map(member_window, ms), np.int64, n)
        self.prio: Bools = np.zeros(n, dtype=bool)
        sat = np.fromiter((index.get(u, -1) for u in history.sat_out_last_round), np.int64)
        self.prio[sat[sat >= 0]] = True
        self.quarter_used: Ints = np.zeros(n, dtype=np.int64)
        counted = np.fromiter((index.get(u, -1) for u in history.quarter_counts), np.int64)
        counts = np.fromiter(history.quarter_counts.values(), np.int64, len(counted))
        if (counts < 0).any():
            raise ValueError("quarter counts must be >= 0")
        self.quarter_used[counted[counted >= 0]] = counts[counted >= 0]
        places: Ints = np.full(n, rules.colleague_round_cap, dtype=np.int64)
        if rules.colleague_quarter_cap is not None:
            places = np.minimum(
                places, np.maximum(0, rules.colleague_quarter_cap - self.quarter_used)
            )
        self.places: Ints = np.where(self.is_ally, 0, places)

        # Hard rules as (x, y, why) member-index triples; -1 marks someone not present.
        manager = np.fromiter(
            (-1 if m.manager_id is None else index.get(m.manager_id, -1) for m in ms), np.int64, n
        )
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
        self.blocked_keys: Ints
        self.blocked_kinds: Ints
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
        self.always_keys: Ints = np.unique(self.keys(always_x[keep], always_y[keep]))
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
        self.recent_keys: Ints = recent_keys[keep][order]
        self.recent_ages: Ints = ages[keep][order]
        self.recent_lo, self.recent_hi = self.split(self.recent_keys)

    def split(self, keys: Ints) -> tuple[Ints, Ints]:
        """Pair keys back to (lower, higher) member indices."""
        return keys // max(self.n, 1), keys % max(self.n, 1)

    # Vectorised facts about pairs of member indices.

    def keys(self, i: Ints, j: Ints) -> Ints:
        """The sorted pair key of each ``(i, j)``: one integer, whichever way round."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        return np.minimum(i, j) * self.n + np.maximum(i, j)

    def block(self, i: Ints, j: Ints) -> Ints:
        """Bit flags of the hard rules that forbid each pair (0: allowed)."""
        found, pos = _lookup(self.blocked_keys, self.keys(i, j))
        out = np.where(found, self.blocked_kinds[pos] if len(self.blocked_kinds) else 0, 0)
        return np.where(np.asarray(i) == np.asarray(j), _PERSONAL, out)

    def age(self, i: Ints, j: Ints) -> Ints:
        """Rounds since each pair last met, if within the window (else 0)."""
        found, pos = _lookup(self.recent_keys, self.keys(i, j))
        return np.where(found, self.recent_ages[pos] if len(self.recent_ages) else 0, 0)

    def fresh(self, i: Ints, j: Ints) -> Bools:
        """Allowed by the hard rules and not a repeat."""
        ok: Bools = (self.block(i, j) == 0) & (self.age(i, j) == 0)
        return ok

    def soft(self, i: Ints, j: Ints) -> Floats:
        """Soft cost of each pair (:func:`~bot.pairing.engine.costs.pair_cost`)."""
        return soft_cost(self.dept[i], self.dept[j], self.work[i], self.work[j])


def _pair_arrays(pairs: Collection[frozenset[str]], index: Mapping[str, int]) -> tuple[Ints, Ints]:
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
