"""The buddy matching: turn colleagues into places and pick the solver that fills them.

This is the one place that knows about both solvers. ``auto`` uses the exact dense
assignment while the ally x place matrix is small (``DENSE_CELLS``) and the class
transport beyond that, falling back to exact assignment inside random blocks when
there are too many classes for the transport to pay off. Whichever runs says so in
the plan's ``method`` (for logs and benchmarks); what it means for people, whether
"no repeat-free matching exists" is proven, is in the report's notes.
"""

from __future__ import annotations

import numpy as np

from bot.pairing.engine.arrays import Ints
from bot.pairing.engine.costs import lexicographic_weights
from bot.pairing.engine.dense import DENSE_CELLS, block_assign, dense_assign
from bot.pairing.engine.model import Solver
from bot.pairing.engine.programme import ProgrammeArrays
from bot.pairing.engine.transport import class_assign


def buddy_pairs(
    prog: ProgrammeArrays, solver: Solver, rng: np.random.Generator, notes: list[str]
) -> tuple[Ints, Ints, bool]:
    """The buddy matching as ally and colleague member indices sorted by ally, and
    whether it is exact.

    Exact means the dense solver ran with weights that make the priority order
    strictly lexicographic, so "no repeat-free matching exists" is a proof.
    Appends a line saying which solver ran to ``notes`` (the plan's ``method``).
    """
    allies = np.flatnonzero(prog.is_ally)
    place_c = np.repeat(np.arange(prog.n), prog.places)
    place_s = np.arange(len(place_c)) - np.repeat(np.cumsum(prog.places) - prog.places, prog.places)
    if len(allies) == 0 or len(place_c) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), True
    cells = len(allies) * len(place_c)
    if solver == "dense" or (solver == "auto" and cells <= DENSE_CELLS):
        r, c = dense_assign(prog, allies, place_c, place_s, rng)
        notes.append(
            f"Solver: exact assignment over {len(allies)} allies x {len(place_c)} colleague places."
        )
        exact = lexicographic_weights(
            min(len(allies), len(place_c)), int(place_s.max()) + 1, prog.window
        ).exact
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
    result = class_assign(prog, allies, place_c, place_s, pinned, rng, stats)
    if result is None:
        r, c = block_assign(prog, allies, place_c, place_s, rng)
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
