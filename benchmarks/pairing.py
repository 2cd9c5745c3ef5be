"""Pairing quality and speed against baselines computed in the same run.

Synthetic programmes (40% colleagues, departments, time zones, managers, never-lists,
6 rounds of history). For each size it prints wall time, peak memory, repeats,
unmatched allies that could have had a place, constraint violations and total cost,
for: the engine; the exact optimum (dense ``linear_sum_assignment`` on the same cost
matrix, where it fits in memory); and random shuffles with retries.

Run: ``python -m benchmarks.pairing [--sizes 1000,10000,100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections.abc import Callable

from scipy.optimize import linear_sum_assignment

from bot.pairing import FORBIDDEN, History, Member, Rules, cost_matrix, forbidden, plan_round

DEPTS = ["eng", "ops", "sales", "people", "finance", "legal", None]
OFFSETS = [0, 60, -300, 330, 540]


def programme(n: int, seed: int = 7) -> tuple[list[Member], Rules, History]:
    rng = random.Random(seed)
    ids = [f"U{i:07d}" for i in range(n)]
    members = []
    for i, uid in enumerate(ids):
        role = "colleague" if i % 5 < 2 else "ally"
        manager = ids[rng.randrange(n)] if rng.random() < 0.3 else None
        never = frozenset(ids[rng.randrange(n)] for _ in range(rng.choice([0, 0, 1, 2])))
        members.append(
            Member(uid, role, rng.choice(DEPTS), rng.choice(OFFSETS), manager, never - {uid})
        )
    allies = [m for m in members if m.role == "ally"]
    colls = [m for m in members if m.role == "colleague"]
    recent = {}
    for ago in range(1, 7):
        for c in colls:
            recent[frozenset((rng.choice(allies).user_id, c.user_id))] = ago
    return members, Rules(repeat_window=6), History(recent=recent)


def measure(
    fn: Callable[..., list[tuple[str, str]]], *args: object
) -> tuple[list[tuple[str, str]], float, float]:
    tracemalloc.start()
    t0 = time.perf_counter()
    pairs = fn(*args)
    wall = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return pairs, wall, peak


def score(pairs, members, rules, history) -> tuple[int, int, int, float]:
    by_id = {m.user_id: m for m in members}
    from bot.pairing import pair_cost

    repeats = sum(1 for a, c in pairs if frozenset((a, c)) in history.recent)
    violations = sum(1 for a, c in pairs if forbidden(by_id[a], by_id[c], rules, history))
    places = sum(1 for m in members if m.role == "colleague")
    unmatched = min(places, sum(1 for m in members if m.role == "ally")) - len(pairs)
    cost = sum(pair_cost(by_id[a], by_id[c], rules, history) for a, c in pairs)
    return repeats, unmatched, violations, cost


def engine(members, rules, history):
    plan = plan_round(members, rules, history, seed=1)
    by_id = {m.user_id: m for m in members}
    return [
        tuple(sorted(g.members, key=lambda u: by_id[u].role))  # (ally, colleague)
        for g in plan.groups
        if g.kind == "buddy"
    ]


def dense_optimum(members, rules, history):
    allies = [m for m in members if m.role == "ally"]
    colls = [m for m in members if m.role == "colleague"]
    cost = cost_matrix(allies, colls, rules, history)
    rows, cols = linear_sum_assignment(cost)
    return [
        (allies[i].user_id, colls[j].user_id)
        for i, j in zip(rows, cols, strict=True)
        if cost[i, j] < FORBIDDEN / 2
    ]


def random_baseline(members, rules, history, retries: int = 20):
    rng = random.Random(3)
    allies = [m for m in members if m.role == "ally"]
    colls = [m for m in members if m.role == "colleague"]
    rng.shuffle(allies)
    pairs = []
    for c in colls:
        for _ in range(retries):
            if not allies:
                break
            k = rng.randrange(len(allies))
            a = allies[k]
            if (
                not forbidden(a, c, rules, history)
                and frozenset((a.user_id, c.user_id)) not in history.recent
            ):
                allies[k] = allies[-1]  # O(1) removal
                allies.pop()
                pairs.append((a.user_id, c.user_id))
                break
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="only 1,000 members")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(
        f"{'members':>8} {'method':<14} {'wall s':>8} {'peak MB':>8} {'repeats':>8} "
        f"{'unmatched':>9} {'violations':>10} {'cost':>12} {'minus optimum':>13}"
    )
    for n in sizes:
        members, rules, history = programme(n)
        results = {}
        methods = {"engine": engine, "random": random_baseline}
        if n <= 10_000:
            methods["dense optimum"] = dense_optimum
        for name, fn in methods.items():
            pairs, wall, peak = measure(fn, members, rules, history)
            results[name] = (wall, peak, *score(pairs, members, rules, history))
        best = results["dense optimum"][5] if "dense optimum" in results else None
        for name, (wall, peak, rep, unm, vio, cost) in results.items():
            gap = "n/a" if best is None else f"{cost - best:+.0f}"
            print(
                f"{n:>8} {name:<14} {wall:>8.2f} {peak:>8.0f} {rep:>8} {unm:>9} {vio:>10} "
                f"{cost:>12.0f} {gap:>13}"
            )


if __name__ == "__main__":
    main()
