"""An independent reference for the engine's tests: the rules re-stated plainly,
an exhaustive search for the best matching, and random programmes to feed both.

Shared by the test modules of :mod:`bot.pairing.engine`; it deliberately uses only
the engine's public API, so it cannot inherit a bug from the engine's internals.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping

from hypothesis import strategies as st

from bot.pairing.engine import (
    NO_ALLOWED_PARTNER,
    NO_PLACE,
    ODD_ONE_OUT,
    QUARTER_CAP,
    History,
    Member,
    RoundPlan,
    Rules,
    advance,
    pair_cost,
    plan_round,
)

REASON_CODES = {NO_PLACE, NO_ALLOWED_PARTNER, ODD_ONE_OUT, QUARTER_CAP}
OFFSETS = [-480, -300, 0, 60, 330, 540]


def hard_blocked(a: Member, b: Member, rules: Rules, history: History) -> bool:
    """The hard rules, re-stated without the engine's code."""
    key = frozenset((a.user_id, b.user_id))
    return (
        b.user_id in a.never
        or a.user_id in b.never
        or key in rules.never_pairs
        or key in history.ended
        or a.manager_id == b.user_id
        or b.manager_id == a.user_id
    )


def places_of(c: Member, rules: Rules, history: History) -> int:
    """How many allies colleague ``c`` may get this round (round and quarter caps)."""
    n = rules.colleague_round_cap
    if rules.colleague_quarter_cap is not None:
        n = min(n, max(0, rules.colleague_quarter_cap - history.quarter_counts.get(c.user_id, 0)))
    return n


def repeat_age(a: str, b: str, rules: Rules, history: History) -> int | None:
    """Rounds since ``a`` and ``b`` met, if that makes them a repeat (else None)."""
    key = frozenset((a, b))
    ago = history.recent.get(key)
    if ago is None or ago > rules.repeat_window or key in rules.always_pairs:
        return None
    return ago


def matching_key(
    pairs: list[tuple[str, str]], by_id: Mapping[str, Member], rules: Rules, history: History
) -> Key:
    """The engine's priority order as a tuple to minimise (see bot.pairing.engine's docstring)."""
    repeats = age_sum = always = 0
    per_colleague: dict[str, int] = {}
    fair = 0
    soft = 0.0
    for a, c in pairs:
        ago = repeat_age(a, c, rules, history)
        if ago is not None:
            repeats += 1
            age_sum += rules.repeat_window + 1 - ago
        always += frozenset((a, c)) in rules.always_pairs
        fair += a in history.sat_out_last_round
        per_colleague[c] = per_colleague.get(c, 0) + 1
        soft += pair_cost(by_id[a], by_id[c])
    for c, k in per_colleague.items():
        fair += c in history.sat_out_last_round
        fair -= k * (k - 1) // 2  # a second ally for anyone only after everyone has a first
    return (-len(pairs), repeats, age_sum, -always, -fair, soft)


Key = tuple[int, int, int, int, int, float]
Programme = tuple[list[Member], Rules, History]


def best_key(members: list[Member], rules: Rules, history: History) -> Key:
    """Exhaustive search over every valid buddy matching."""
    by_id = {m.user_id: m for m in members}
    allies = [m for m in members if m.role == "ally"]
    places = {m.user_id: places_of(m, rules, history) for m in members if m.role == "colleague"}
    best: Key | None = None

    def walk(i: int, chosen: list[tuple[str, str]]) -> None:
        nonlocal best
        if i == len(allies):
            key = matching_key(chosen, by_id, rules, history)
            if best is None or key[:5] < best[:5] or (key[:5] == best[:5] and key[5] < best[5]):
                best = key
            return
        walk(i + 1, chosen)
        a = allies[i]
        for c, left in places.items():
            if left and not hard_blocked(a, by_id[c], rules, history):
                places[c] -= 1
                walk(i + 1, [*chosen, (a.user_id, c)])
                places[c] += 1

    walk(0, [])
    assert best is not None
    return best


def plan_matching(plan: RoundPlan) -> list[tuple[str, str]]:
    """The buddy matching inside a plan (a joined third colleague is not part of it)."""
    return [(g.members[0], g.members[1]) for g in plan.groups if g.kind == "buddy"]


# Random small programmes


@st.composite
def programmes(draw: st.DrawFn, max_allies: int = 5, max_colleagues: int = 4) -> Programme:
    n_allies = draw(st.integers(0, max_allies))
    n_colls = draw(st.integers(0, max_colleagues))
    ids = [f"A{i}" for i in range(n_allies)] + [f"C{i}" for i in range(n_colls)]
    pairs = [frozenset(p) for p in itertools.combinations(ids, 2)]
    some_pairs = st.lists(st.sampled_from(pairs), max_size=3) if pairs else st.just([])
    members = []
    for uid in ids:
        others = [u for u in ids if u != uid]
        manager = draw(st.sampled_from(others)) if others and draw(st.integers(0, 4)) == 0 else None
        never = frozenset(draw(st.lists(st.sampled_from(others), max_size=1))) if others else None
        members.append(
            Member(
                uid,
                "ally" if uid.startswith("A") else "colleague",
                draw(st.sampled_from(["eng", "ops", None])),
                draw(st.sampled_from(OFFSETS)),
                manager,
                never or frozenset(),
            )
        )
    window = draw(st.integers(0, 6))
    quarter_cap = draw(st.one_of(st.none(), st.integers(0, 3)))
    rules = Rules(
        repeat_window=window,
        colleague_round_cap=draw(st.integers(1, 2)),
        colleague_quarter_cap=quarter_cap,
        peer_pairs=draw(st.booleans()),
        never_pairs=frozenset(draw(some_pairs)),
        always_pairs=frozenset(draw(some_pairs)),
    )
    recent = (
        {p: draw(st.integers(1, 8)) for p in draw(st.lists(st.sampled_from(pairs), max_size=8))}
        if pairs
        else {}
    )
    history = History(
        recent=recent,
        ended=frozenset(draw(some_pairs)),
        sat_out_last_round=frozenset(draw(st.lists(st.sampled_from(ids), max_size=3)))
        if ids
        else frozenset(),
        quarter_counts={u: draw(st.integers(0, 3)) for u in ids if u.startswith("C")},
    )
    return members, rules, history


SEEDS = st.integers(0, 2**32)


def synthetic(n: int, seed: int) -> tuple[list[Member], Rules, History]:
    """A programme big enough for the class solver, with six rounds of history."""
    rng = random.Random(seed)
    ids = [f"U{i:05d}" for i in range(n)]
    members = [
        Member(
            uid,
            "colleague" if rng.random() < 0.4 else "ally",
            rng.choice(["eng", "ops", "sales", "legal", None]),
            rng.choice(OFFSETS),
            rng.choice(ids) if rng.random() < 0.5 else None,
            frozenset(rng.sample(ids, 2)) if rng.random() < 0.1 else frozenset(),
        )
        for uid in ids
    ]
    members = [
        Member(
            m.user_id,
            m.role,
            m.department,
            m.utc_offset_minutes,
            m.manager_id if m.manager_id != m.user_id else None,
            m.never - {m.user_id},
        )
        for m in members
    ]
    rules = Rules(peer_pairs=True, colleague_round_cap=2, colleague_quarter_cap=5)
    history = History()
    for r in range(6):
        history = advance(history, plan_round(members, rules, history, seed=r))
    return members, rules, history
