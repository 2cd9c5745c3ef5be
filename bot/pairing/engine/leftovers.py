"""Whoever the buddy matching left over: colleague trios, ally peer pairs and peer trios.

A colleague without an ally joins an existing buddy pair rather than be alone;
leftover allies, with ``peer_pairs`` on, pair up among themselves (exhaustively
for a handful, by a time-zone heuristic beyond that), and an odd one joins a peer
pair. Peer pairs are a bonus, so unlike buddy pairs they never repeat: an ally
with no fresh peer sits out instead.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import numpy as np

from bot.pairing.engine.arrays import Ints
from bot.pairing.engine.programme import ProgrammeArrays

_EXACT_PEERS: Final = 10  # leftover allies up to which peer pairing is exhaustive


def join_trios(
    prog: ProgrammeArrays,
    joiners: list[int],
    hosts: Ints,
    must_be_fresh: list[int],
) -> tuple[Ints, list[int]]:
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
    left: list[int] = []
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


def _exact_peers(prog: ProgrammeArrays, items: list[int]) -> list[tuple[int, int]]:
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
    prog: ProgrammeArrays, items: list[int], rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Neighbours by time zone with departments interleaved, then local fixes.

    Sorting by working window (in UTC) and dealing departments round-robin puts people
    with the same working hours and different departments next to each other; pairs that
    break a rule swap partners with a nearby pair, and whoever is still stuck is
    paired greedily among the stuck.
    """
    arr = np.asarray(items, dtype=np.int64)
    noise = rng.permutation(len(arr))
    first = np.lexsort((noise, prog.dept[arr], prog.work[arr]))
    group = prog.work[arr][first] * 10_000 + prog.dept[arr][first]
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    rank = np.empty(len(arr), dtype=np.int64)
    rank[first] = np.arange(len(arr)) - np.repeat(starts, np.diff(np.r_[starts, len(arr)]))
    order = arr[np.lexsort((noise, prog.dept[arr], rank, prog.work[arr]))]
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


def peer_groups(
    prog: ProgrammeArrays, leftover: list[int], rng: np.random.Generator
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
    extra, left = join_trios(
        prog, unmatched, np.asarray(groups, dtype=np.int64).reshape(-1, 2), must_be_fresh=[0, 1]
    )
    for g, e in zip(groups, extra.tolist(), strict=True):
        if e >= 0:
            g.append(e)
    return groups, left
