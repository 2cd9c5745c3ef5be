"""A round from start to finish, and the history it leaves for the next one.

:func:`plan_round` is the engine's one entry point for planning: it builds the
array view of the input, runs the buddy matching, places the leftovers, and
writes the reasons and the report. :func:`advance` is its counterpart for
callers that simulate several rounds (tests, the benchmark).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from bot.pairing.engine.leftovers import join_trios, peer_groups
from bot.pairing.engine.matching import buddy_pairs
from bot.pairing.engine.model import Group, History, Member, RoundPlan, Rules, Solver
from bot.pairing.engine.programme import ProgrammeArrays
from bot.pairing.engine.report import find_repeats, report_notes, sit_out_reasons


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
    prog = ProgrammeArrays(members, rules, history)
    rng = np.random.default_rng(seed % 2**64)
    method: list[str] = []
    pair_a, pair_c, exact = buddy_pairs(prog, solver, rng, method)

    n_allies = np.bincount(pair_c, minlength=prog.n)
    ally_used = np.zeros(prog.n, dtype=bool)
    ally_used[pair_a] = True

    # A colleague with places but no ally joins a buddy pair rather than be alone.
    alone = np.flatnonzero(~prog.is_ally & (prog.places > 0) & (n_allies == 0)).tolist()
    extra, still_alone = join_trios(
        prog, alone, np.stack([pair_a, pair_c], axis=1), must_be_fresh=[0]
    )

    leftover = np.flatnonzero(prog.is_ally & ~ally_used).tolist()
    peers: list[list[int]] = []
    peer_left = leftover
    if rules.peer_pairs and leftover:
        peers, peer_left = peer_groups(prog, leftover, rng)

    sat_out = sit_out_reasons(prog, rules, leftover, peer_left, still_alone)
    repeats = find_repeats(prog, pair_a, pair_c)
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
    notes = report_notes(prog, rules, groups, sat_out, repeats, pair_a, pair_c, exact)
    return RoundPlan(
        tuple(groups),
        tuple(sat_out),
        tuple(repeats),
        tuple(notes),
        round(cost, 9),
        " ".join(method),
    )


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
