"""The pairing engine (pure: no Slack, no SQL).

Allies are matched to colleague places (a colleague with a cap of N offers N
places) by a minimum-cost assignment. Hard rules (never-lists, admin rules,
ended pairs, manager and direct report) are forbidden edges; repeats inside the
window cost a lot, more the more recent; different departments and overlapping
working hours cost less; admin "always" pairs and last round's sit-outs are
preferred. Leftover allies form peer pairs (one trio if odd) or sit out.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

FORBIDDEN = 1e9
REPEAT_BASE = 1000.0


@dataclass(frozen=True)
class Member:
    user_id: str
    role: Literal["ally", "colleague"]
    department: str | None = None
    utc_offset_minutes: int = 0
    manager_id: str | None = None
    never: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rules:
    repeat_window: int = 6
    colleague_round_cap: int = 1
    colleague_quarter_cap: int | None = None
    peer_pairs: bool = False
    never_pairs: frozenset[frozenset[str]] = frozenset()
    always_pairs: frozenset[frozenset[str]] = frozenset()


@dataclass(frozen=True)
class History:
    recent: Mapping[frozenset[str], int] = field(default_factory=dict)
    ended: frozenset[frozenset[str]] = frozenset()
    sat_out_last_round: frozenset[str] = frozenset()
    quarter_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    members: tuple[str, ...]
    kind: Literal["buddy", "peer"]


@dataclass(frozen=True)
class SitOut:
    user_id: str
    reason_code: str
    reason: str


@dataclass(frozen=True)
class Repeat:
    members: frozenset[str]
    rounds_ago: int


@dataclass(frozen=True)
class RoundPlan:
    groups: tuple[Group, ...]
    sat_out: tuple[SitOut, ...]
    repeats: tuple[Repeat, ...]
    notes: tuple[str, ...]
    cost: float


def forbidden(a: Member, b: Member, rules: Rules, history: History) -> bool:
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


def _overlap_hours(a: Member, b: Member) -> float:
    shift = abs(a.utc_offset_minutes - b.utc_offset_minutes) / 60
    return max(0.0, 9.0 - shift)


def pair_cost(a: Member, b: Member, rules: Rules, history: History) -> float:
    if forbidden(a, b, rules, history):
        return FORBIDDEN
    key = frozenset((a.user_id, b.user_id))
    cost = 0.0
    ago = history.recent.get(key)
    if ago is not None and ago <= rules.repeat_window:
        cost += REPEAT_BASE * (rules.repeat_window + 1 - ago)
    if a.department and a.department == b.department:
        cost += 5.0
    cost += 9.0 - _overlap_hours(a, b)
    if key in rules.always_pairs:
        cost -= 500.0
    return cost


#: Largest ally block solved exactly at once; bigger programmes are split into
#: random blocks (each with its share of colleague places) and solved block by block.
BLOCK = 1500


def cost_matrix(
    allies: Sequence[Member], slots: Sequence[Member], rules: Rules, history: History
) -> np.ndarray:
    """Vectorised :func:`pair_cost` for every ally x colleague place."""
    depts: dict[str | None, int] = {}
    a_dept = np.array([depts.setdefault(a.department, len(depts)) for a in allies])
    c_dept = np.array([depts.setdefault(c.department, len(depts)) for c in slots])
    same = (a_dept[:, None] == c_dept[None, :]) & (a_dept[:, None] != depts.get(None, -1))
    a_off = np.array([a.utc_offset_minutes for a in allies], dtype=float)
    c_off = np.array([c.utc_offset_minutes for c in slots], dtype=float)
    shift = np.abs(a_off[:, None] - c_off[None, :]) / 60.0
    cost = 5.0 * same + (9.0 - np.maximum(0.0, 9.0 - shift))
    col_of: dict[str, list[int]] = {}
    for j, c in enumerate(slots):
        col_of.setdefault(c.user_id, []).append(j)
    row_of = {a.user_id: i for i, a in enumerate(allies)}
    # Sparse special cases: only the pairs that some rule or the history names.
    special: set[tuple[str, str]] = set()
    for key in itertools.chain(
        history.recent, history.ended, rules.never_pairs, rules.always_pairs
    ):
        if len(key) == 2:
            x, y = tuple(key)
            special.update({(x, y), (y, x)})
    for a in allies:
        special.update((a.user_id, other) for other in a.never)
        if a.manager_id:
            special.add((a.user_id, a.manager_id))
    by_id = {m.user_id: m for m in itertools.chain(allies, slots)}
    for c in set(slots):
        special.update((a, c.user_id) for a in c.never)
        if c.manager_id:
            special.add((c.manager_id, c.user_id))
    for x, y in special:
        if x in row_of and y in col_of:
            value = pair_cost(by_id[x], by_id[y], rules, history)
            for j in col_of[y]:
                cost[row_of[x], j] = value
    return cost


def _assign(
    allies: list[Member], slots: list[Member], rules: Rules, history: History, rng: random.Random
) -> list[tuple[Member, Member, float]]:
    cost = cost_matrix(allies, slots, rules, history)
    cost += (
        np.array([[rng.random() * 0.01 for _ in slots] for _ in allies])
        if len(allies) * len(slots) <= 250_000
        else np.random.default_rng(rng.randrange(2**32)).random(cost.shape) * 0.01
    )
    for i, a in enumerate(allies):
        if a.user_id in history.sat_out_last_round:
            cost[i] -= 200.0  # last round's sit-outs are first in line
    rows, cols = linear_sum_assignment(cost)
    return [(allies[i], slots[j], float(cost[i, j])) for i, j in zip(rows, cols, strict=True)]


def plan_round(members: Sequence[Member], rules: Rules, history: History, seed: int) -> RoundPlan:
    rng = random.Random(seed)
    ordered = sorted(members, key=lambda m: m.user_id)
    allies = [m for m in ordered if m.role == "ally"]
    colleagues = [m for m in ordered if m.role == "colleague"]
    slots: list[Member] = []
    for c in colleagues:
        cap = rules.colleague_round_cap
        if rules.colleague_quarter_cap is not None:
            cap = min(cap, rules.colleague_quarter_cap - history.quarter_counts.get(c.user_id, 0))
        slots += [c] * max(0, cap)
    groups: list[Group] = []
    repeats: list[Repeat] = []
    notes: list[str] = []
    sat_out: list[SitOut] = []
    total = 0.0
    matched: set[str] = set()
    if allies and slots:
        blocks = max(1, -(-len(allies) // BLOCK))
        ally_order, slot_order = list(allies), list(slots)
        if blocks > 1:
            rng.shuffle(ally_order)
            rng.shuffle(slot_order)
        for b in range(blocks):
            a_part = ally_order[b::blocks]
            s_part = slot_order[b::blocks]
            if not a_part or not s_part:
                continue
            for a, c, value in _assign(a_part, s_part, rules, history, rng):
                if value >= FORBIDDEN / 2:
                    continue
                groups.append(Group((a.user_id, c.user_id), "buddy"))
                matched.add(a.user_id)
                total += value
                ago = history.recent.get(frozenset((a.user_id, c.user_id)))
                if ago is not None and ago <= rules.repeat_window:
                    repeats.append(Repeat(frozenset((a.user_id, c.user_id)), ago))
    leftover = [a for a in allies if a.user_id not in matched]
    if rules.peer_pairs and len(leftover) >= 2:
        rng.shuffle(leftover)
        peers: list[list[Member]] = []
        pool = list(leftover)
        while len(pool) >= 2:
            a = pool.pop()
            partner = next((b for b in pool if not forbidden(a, b, rules, history)), None)
            if partner is None:
                sat_out.append(
                    SitOut(a.user_id, "no_partner", "no allowed peer partner this round")
                )
                continue
            pool.remove(partner)
            peers.append([a, partner])
        if pool and peers:
            odd = pool.pop()
            host = next(
                (g for g in peers if not any(forbidden(odd, b, rules, history) for b in g)), None
            )
            if host is not None:
                host.append(odd)
            else:
                sat_out.append(SitOut(odd.user_id, "odd_one_out", "odd one out this round"))
        for a in pool:
            sat_out.append(SitOut(a.user_id, "odd_one_out", "odd one out this round"))
        groups += [Group(tuple(sorted(m.user_id for m in g)), "peer") for g in peers]
    else:
        for a in leftover:
            allowed = any(not forbidden(a, c, rules, history) for c in colleagues)
            if allowed:
                sat_out.append(
                    SitOut(a.user_id, "no_place", "more allies than colleague places this round")
                )
            else:
                sat_out.append(
                    SitOut(a.user_id, "no_allowed_partner", "no allowed partner under the rules")
                )
    if repeats:
        notes.append(f"{len(repeats)} pair(s) repeat: no repeat-free round was possible")
    return RoundPlan(tuple(groups), tuple(sat_out), tuple(repeats), tuple(notes), total)
