"""The class solver for large programmes: a transport problem between classes, then repair.

The soft cost depends only on (department, working window in UTC), so members fall into a few
hundred classes however large the programme. An exact transportation problem
between ally classes and place classes (a small linear programme) gives the optimal
soft cost and fairness; members are then dealt out inside their classes in seeded
random order. That dealing cannot see the per-pair rules, so the few pairs that
break a hard rule or repeat are repaired afterwards: first by cost-neutral swaps
with a same-class member, then by small exact re-assignments
(:func:`~bot.pairing.engine.dense.dense_assign`) around whatever is still wrong.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, vstack

from bot.pairing.engine.arrays import Bools, Floats, Ints
from bot.pairing.engine.costs import WINDOW_CODES, soft_cost
from bot.pairing.engine.dense import dense_assign
from bot.pairing.engine.programme import ProgrammeArrays

# Tuning of the class solver; see class_assign.
_ALL_ARCS: Final = 40_000  # class pairs up to which the transport LP keeps every arc
_ARCS_PER_CLASS: Final = 12  # otherwise: each class's cheapest arcs
_MAX_CLASS_CELLS: Final = 2_000_000  # beyond this the LP is not worth it
_SWAP_TRIES: Final = 8
_SWAP_ROUNDS: Final = 4
_NEIGHBOURS: Final = 12  # per conflicted pair, in the local exact repair
_LOCAL_CHUNK: Final = 150  # conflicted pairs per local exact repair


def _transport(cost: Floats, supply: Ints, demand: Ints) -> Ints | None:
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


def _classes(keys: Ints) -> tuple[Ints, Ints, Ints, Ints]:
    """Class of each item, a representative per class, and the items grouped by class
    (item indices sorted by class, and where each class starts in that order)."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    by_class = np.argsort(inverse, kind="stable")
    start = np.searchsorted(inverse[by_class], np.arange(len(first)))
    return inverse, first, by_class, start


def class_assign(
    prog: ProgrammeArrays,
    allies: Ints,
    place_c: Ints,
    place_s: Ints,
    pinned: tuple[Ints, Ints],
    rng: np.random.Generator,
    stats: dict[str, int],
) -> tuple[Ints, Ints] | None:
    """Transport between (department, working window, fairness) classes, then repair.

    ``pinned`` (ally rows, place columns) are always-pairs placed beforehand; the
    transport deals out everyone else. Returns matched (ally row, place column),
    or None when the classes are too many for the transport problem to pay off.
    What it did (classes, conflicts, swaps, local repairs) is counted in ``stats``
    for the solver's note in the report.
    """
    rows, cols = len(allies), len(place_c)
    cap = int(place_s.max()) + 1
    base_a = (prog.dept[allies] + 1) * WINDOW_CODES + prog.work[allies]
    a_key = base_a * 2 + prog.prio[allies]
    prio0 = prog.prio[place_c] & (place_s == 0)
    base_c = (prog.dept[place_c] + 1) * WINDOW_CODES + prog.work[place_c]
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
    cost = soft_cost(
        prog.dept[ra][:, None],
        prog.dept[rc][None, :],
        prog.work[ra][:, None],
        prog.work[rc][None, :],
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
    prog: ProgrammeArrays,
    allies: Ints,
    place_c: Ints,
    place_s: Ints,
    slot_of: Ints,
    ally_of: Ints,
    pinned: Bools,
    a_classes: tuple[Ints, Ints, Ints],
    c_classes: tuple[Ints, Ints, Ints],
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

    def bad_places() -> Ints:
        k = np.flatnonzero(ally_of >= 0)
        return k[~prog.fresh(allies[ally_of[k]], place_c[k])]

    def ok(a_rows: Ints, k_cols: Ints) -> Bools:
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
        r, c = dense_assign(prog, allies[sub_a], place_c[sub_k], place_s[sub_k], rng)
        slot_of[sub_a[r]] = sub_k[c]
        ally_of[sub_k[c]] = sub_a[r]
        stats["local_repairs"] += 1
