"""The exact solver: one rectangular assignment over every ally x colleague place.

Used for small programmes, as the benchmark's reference optimum, and by the class
solver to repair the few pairs it could not fix by swaps. Every priority level is
folded into one cost per cell with :func:`~bot.pairing.engine.costs.lexicographic_weights`,
so ``scipy.optimize.linear_sum_assignment`` finds the lexicographic optimum directly.

Places are given as two parallel arrays, as everywhere in the solvers: ``place_c``
is the colleague (member index) each place belongs to and ``place_s`` its slot
number for that colleague (0 for a first ally, 1 for a second, ...), which is what
the fairness level looks at.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy.optimize import linear_sum_assignment

from bot.pairing.engine.arrays import Ints
from bot.pairing.engine.costs import lexicographic_weights, soft_cost
from bot.pairing.engine.programme import ProgrammeArrays

#: Up to this many ally x place cells, ``auto`` uses the exact dense solver.
DENSE_CELLS: Final = 600_000


def _cells(
    lo: Ints,
    hi: Ints,
    row_of: Ints,
    place_order: Ints,
    place_sorted: Ints,
) -> tuple[Ints, Ints, Ints]:
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


def dense_assign(
    prog: ProgrammeArrays,
    allies: Ints,
    place_c: Ints,
    place_s: Ints,
    rng: np.random.Generator,
) -> tuple[Ints, Ints]:
    """Exact assignment of allies to places; returns matched (ally row, place column).

    ``allies`` are member indices (rows). A rectangular assignment always fills
    ``min(rows, cols)`` cells, so a blocked cell is priced as an empty place (the
    top weight): it is only chosen where a place would stay empty anyway, and is
    dropped from the result.
    """
    rows, cols = len(allies), len(place_c)
    empty = np.zeros(0, dtype=np.int64)
    if rows == 0 or cols == 0:
        return empty, empty
    w = lexicographic_weights(min(rows, cols), int(place_s.max()) + 1, prog.window)
    cost = soft_cost(
        prog.dept[allies][:, None],
        prog.dept[place_c][None, :],
        prog.work[allies][:, None],
        prog.work[place_c][None, :],
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


def block_assign(
    prog: ProgrammeArrays,
    allies: Ints,
    place_c: Ints,
    place_s: Ints,
    rng: np.random.Generator,
) -> tuple[Ints, Ints]:
    """Last resort for huge class counts: exact assignment inside random blocks.

    Blocks are small enough for the dense matrix to fit (``DENSE_CELLS`` each), so
    the round still happens, at the price of optimality across blocks.
    """
    blocks = max(1, int(np.ceil(len(allies) * len(place_c) / DENSE_CELLS)))
    blocks = min(blocks, len(allies), len(place_c))
    a_block = rng.permutation(len(allies)) % blocks
    c_block = rng.permutation(len(place_c)) % blocks
    out_r: list[Ints] = []
    out_c: list[Ints] = []
    for b in range(blocks):
        ra = np.flatnonzero(a_block == b)
        rc = np.flatnonzero(c_block == b)
        r, c = dense_assign(prog, allies[ra], place_c[rc], place_s[rc], rng)
        out_r.append(ra[r])
        out_c.append(rc[c])
    return np.concatenate(out_r), np.concatenate(out_c)
