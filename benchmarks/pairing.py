"""Pairing engine: speed and quality against baselines computed in the same run.

Synthetic programmes: 40% colleagues; nine offices (time zones) where allies and
colleagues are spread differently, so the best pairs are not simply "same office"
and the optimum has a real cost; twelve departments, each office leaning on a
few; managers mostly in the same office; personal never-lists, admin never and
always rules, ended pairs; and six rounds of history produced by the engine
itself (the hardest case for repeats: the optimiser wants the same pairs again).
Peer pairs are off, so about a fifth of the allies sit out each round and the
"sat-out first" column shows whether last round's sit-outs now have a buddy.

For each size the seventh round is planned by:

* ``engine`` - :func:`bot.pairing.plan_round` as the bot calls it (``auto``);
* ``engine+peers`` - the same with peer pairs on (leftover allies paired up);
* ``engine/classes`` - the class solver forced where ``auto`` picks dense;
* ``dense optimum`` - the exact ``linear_sum_assignment`` over the dense
  ally x place matrix with the same cost function (``solver="dense"``), at up to
  10,000 members;
* ``random`` - shuffle, then give each place a random ally, retrying up to 20
  times for one that breaks no hard rule and is not a repeat.

Columns: wall time (a run without tracing), peak traced memory (a second, traced
run), buddy places filled / offered, repeats, last round's sit-outs who got a
buddy, always-pairs honoured, violations found by :func:`bot.pairing.violations`,
and the soft cost of the buddy pairs, with its gap to the dense optimum.

Run: ``python -m benchmarks.pairing [--sizes 1000,10000,100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.pairing.engine import (
    DENSE_CELLS,
    NO_PLACE,
    Group,
    History,
    Member,
    RoundPlan,
    Rules,
    SitOut,
    advance,
    forbidden,
    pair_cost,
    place_counts,
    plan_round,
    violations,
)

# (UTC offset in minutes, share of allies, share of colleagues)
OFFICES = [
    (-480, 20, 8),
    (-300, 25, 12),
    (-180, 3, 8),
    (0, 20, 14),
    (60, 15, 10),
    (330, 5, 22),
    (480, 5, 10),
    (540, 4, 8),
    (600, 3, 8),
]
DEPARTMENTS = [f"dept{i:02d}" for i in range(12)]
HISTORY_ROUNDS = 6


#: Personal working hours some members set (local minutes), for --personal-hours.
PERSONAL_HOURS = [(7 * 60, 15 * 60), (10 * 60, 19 * 60), (12 * 60, 20 * 60), (8 * 60, 12 * 60)]


def programme(n: int, seed: int = 7, personal: float = 0.0) -> tuple[list[Member], Rules, History]:
    """A synthetic programme of ``n`` members with six rounds of engine-made history.

    ``personal`` is the share of members with working hours of their own.
    """
    rng = random.Random(seed)
    hours_rng = random.Random(seed + 1)  # a separate stream keeps personal=0 unchanged
    ids = [f"U{i:07d}" for i in range(n)]
    roles = ["colleague" if rng.random() < 0.4 else "ally" for _ in ids]
    office_depts = [rng.sample(DEPARTMENTS, 4) for _ in OFFICES]
    office = [
        rng.choices(range(len(OFFICES)), [o[1] if r == "ally" else o[2] for o in OFFICES])[0]
        for r in roles
    ]
    by_office: dict[int, list[int]] = {}
    for i, o in enumerate(office):
        by_office.setdefault(o, []).append(i)

    def colleague_in_office(i: int) -> str:
        return ids[rng.choice(by_office[office[i]])]

    members = []
    for i, uid in enumerate(ids):
        dept = (
            rng.choice(office_depts[office[i]]) if rng.random() < 0.8 else rng.choice(DEPARTMENTS)
        )
        manager = colleague_in_office(i) if rng.random() < 0.7 else None
        never = frozenset()
        if rng.random() < 0.05:
            never = frozenset(colleague_in_office(i) for _ in range(rng.randint(1, 3))) - {uid}
        members.append(
            Member(
                uid,
                roles[i],
                dept,
                OFFICES[office[i]][0],
                None if manager == uid else manager,
                never,
                hours_rng.choice(PERSONAL_HOURS)
                if hours_rng.random() < personal
                else (9 * 60, 18 * 60),
            )
        )
    allies = [i for i, r in enumerate(roles) if r == "ally"]
    colls = [i for i, r in enumerate(roles) if r == "colleague"]

    def some_pairs(k: int) -> frozenset[frozenset[str]]:
        out = set()
        for _ in range(k):
            c = rng.choice(colls)
            out.add(frozenset((ids[c], ids[rng.choice([x for x in by_office[office[c]][:50]])])))
        return frozenset(p for p in out if len(p) == 2)

    rules = Rules(
        repeat_window=6,
        peer_pairs=False,
        never_pairs=some_pairs(n // 500),
        always_pairs=frozenset(
            frozenset((ids[rng.choice(allies)], ids[rng.choice(colls)])) for _ in range(n // 1000)
        ),
    )
    history = History(ended=some_pairs(n // 100))
    for r in range(HISTORY_ROUNDS):
        history = advance(history, plan_round(members, rules, history, seed=1000 + r))
    return members, rules, history


def random_baseline(
    members: list[Member], rules: Rules, history: History, retries: int = 20
) -> RoundPlan:
    """Random shuffle with retries; leftover allies and colleagues sit out."""
    rng = random.Random(3)
    by_id = {m.user_id: m for m in members}
    allies = [m.user_id for m in members if m.role == "ally"]
    rng.shuffle(allies)
    places = [c for c, k in place_counts(members, rules, history).items() for _ in range(k)]
    rng.shuffle(places)
    groups, repeats_ = [], []
    for c in places:
        for _ in range(retries):
            if not allies:
                break
            k = rng.randrange(len(allies))
            a = allies[k]
            key = frozenset((a, c))
            ago = history.recent.get(key)
            fresh = ago is None or ago > rules.repeat_window or key in rules.always_pairs
            if fresh and not forbidden(by_id[a], by_id[c], rules, history):
                allies[k] = allies[-1]
                allies.pop()
                groups.append(Group((a, c), "buddy"))
                break
    grouped = {u for g in groups for u in g.members}
    sat_out = tuple(
        SitOut(m.user_id, NO_PLACE, "random baseline") for m in members if m.user_id not in grouped
    )
    cost = sum(pair_cost(by_id[g.members[0]], by_id[g.members[1]]) for g in groups)
    return RoundPlan(tuple(groups), sat_out, tuple(repeats_), (), cost)


@dataclass
class Row:
    method: str
    wall: float
    peak_mb: float
    filled: int
    places: int
    repeats: int
    prio_got: int
    prio_total: int
    always_got: int
    always_total: int
    violations: int
    cost: float


Method = Callable[[list[Member], Rules, History], RoundPlan]

METHODS: dict[str, tuple[Method, Callable[[int, int], bool]]] = {
    # name: (planner, whether to run it for (members, ally x place cells))
    "engine": (lambda m, r, h: plan_round(m, r, h, 1), lambda n, cells: True),
    "engine+peers": (
        lambda m, r, h: plan_round(m, replace(r, peer_pairs=True), h, 1),
        lambda n, cells: True,
    ),
    "engine/classes": (
        lambda m, r, h: plan_round(m, r, h, 1, solver="classes"),
        lambda n, cells: cells <= DENSE_CELLS,
    ),
    "dense optimum": (
        lambda m, r, h: plan_round(m, r, h, 1, solver="dense"),
        lambda n, cells: n <= 10_000,
    ),
    "random": (random_baseline, lambda n, cells: True),
}


def run(name: str, method: Method, members: list[Member], rules: Rules, history: History) -> Row:
    """Time one method, then run it again under tracemalloc for its peak memory."""
    t0 = time.perf_counter()
    plan = method(members, rules, history)
    wall = time.perf_counter() - t0
    tracemalloc.start()
    method(members, rules, history)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    if name == "engine+peers":
        rules = replace(rules, peer_pairs=True)
    by_id = {m.user_id: m for m in members}
    buddy = [g for g in plan.groups if g.kind == "buddy"]
    pairs = {frozenset((g.members[0], c)) for g in buddy for c in g.members[1:]}
    with_buddy = {u for g in buddy for u in g.members}
    present_always = [p for p in rules.always_pairs if all(u in by_id for u in p)]
    cost = sum(pair_cost(by_id[g.members[0]], by_id[c]) for g in buddy for c in g.members[1:])
    return Row(
        method=name,
        wall=wall,
        peak_mb=peak,
        filled=len(pairs),
        places=sum(place_counts(members, rules, history).values()),
        repeats=len(plan.repeats),
        prio_got=len(history.sat_out_last_round & with_buddy),
        prio_total=len(history.sat_out_last_round),
        always_got=sum(1 for p in present_always if p in pairs),
        always_total=len(present_always),
        violations=len(violations(plan, members, rules, history)),
        cost=cost,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="only 1,000 members")
    parser.add_argument(
        "--personal-hours",
        type=float,
        default=0.0,
        help="share of members with their own working hours (more soft-cost classes)",
    )
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    header = (
        f"{'members':>8} {'method':<15} {'wall s':>7} {'peak MB':>8} {'filled':>13} "
        f"{'repeats':>7} {'sat-out first':>13} {'always':>7} {'violations':>10} "
        f"{'cost':>10} {'vs optimum':>10}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        t0 = time.perf_counter()
        members, rules, history = programme(n, personal=args.personal_hours)
        setup = time.perf_counter() - t0
        allies = sum(m.role == "ally" for m in members)
        cells = allies * sum(place_counts(members, rules, history).values())
        rows = [
            run(name, method, members, rules, history)
            for name, (method, wanted) in METHODS.items()
            if wanted(n, cells)
        ]
        best = next((r.cost for r in rows if r.method == "dense optimum"), None)
        for r in rows:
            gap = "n/a" if not best else f"{100 * (r.cost - best) / best:+.2f}%"
            print(
                f"{n:>8} {r.method:<15} {r.wall:>7.3f} {r.peak_mb:>8.1f} "
                f"{f'{r.filled}/{r.places}':>13} {r.repeats:>7} "
                f"{f'{r.prio_got}/{r.prio_total}':>13} {f'{r.always_got}/{r.always_total}':>7} "
                f"{r.violations:>10} {r.cost:>10.1f} {gap:>10}"
            )
        print(f"{'':>8} (programme and {HISTORY_ROUNDS} rounds of history built in {setup:.1f} s)")


if __name__ == "__main__":
    main()
