"""An independent checker of finished plans, for tests and the benchmark.

It re-states the rules in plain Python over the original inputs and shares no
code with the planner beyond the public rule helpers, so a bug in the vectorised
engine cannot hide itself by being checked with the same code.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from bot.pairing.engine.costs import forbidden, place_counts
from bot.pairing.engine.model import History, Member, RoundPlan, Rules


def violations(
    plan: RoundPlan, members: Sequence[Member], rules: Rules, history: History
) -> list[str]:
    """Every way ``plan`` breaks the rules; empty when it is valid.

    Written independently of the engine (plain Python over the inputs), for tests
    and the benchmark. Checks group shapes, caps, hard rules, peer repeats, that
    every buddy repeat is reported, and that everyone is grouped or sits out.
    """
    problems: list[str] = []
    by_id = {m.user_id: m for m in members}
    places = place_counts(members, rules, history)
    allies_of: dict[str, int] = {}
    grouped: set[str] = set()
    ally_groups: dict[str, int] = {}
    found_repeats: set[tuple[tuple[str, str], int]] = set()

    def recent(x: str, y: str) -> int | None:
        key = frozenset((x, y))
        ago = history.recent.get(key)
        if ago is None or ago > rules.repeat_window or key in rules.always_pairs:
            return None
        return ago

    for g in plan.groups:
        unknown = [u for u in g.members if u not in by_id]
        if unknown:
            problems.append(f"{g.members}: unknown member(s) {unknown}")
            continue
        if len(set(g.members)) != len(g.members):
            problems.append(f"{g.members}: someone is listed twice")
            continue
        roles = [by_id[u].role for u in g.members]
        allies = [u for u in g.members if by_id[u].role == "ally"]
        if g.kind == "buddy":
            if len(g.members) not in (2, 3) or roles.count("ally") != 1:
                problems.append(f"{g.members}: a buddy group is one ally and one or two colleagues")
                continue
            for c in g.members:
                if by_id[c].role == "colleague":
                    allies_of[c] = allies_of.get(c, 0) + 1
                    ago = recent(allies[0], c)
                    if ago is not None:
                        found_repeats.add(((allies[0], c), ago))
        elif g.kind == "peer":
            if not rules.peer_pairs:
                problems.append(f"{g.members}: peer group while peer pairs are off")
            if len(g.members) not in (2, 3) or set(roles) != {"ally"}:
                problems.append(f"{g.members}: a peer group is two or three allies")
                continue
            for x, y in itertools.combinations(g.members, 2):
                if recent(x, y) is not None:
                    problems.append(f"{g.members}: peers {x} and {y} met within the window")
        else:
            problems.append(f"{g.members}: unknown group kind {g.kind!r}")
            continue
        for x, y in itertools.combinations(g.members, 2):
            if forbidden(by_id[x], by_id[y], rules, history):
                problems.append(f"{g.members}: {x} and {y} may not be grouped (hard rule)")
        for a in allies:
            ally_groups[a] = ally_groups.get(a, 0) + 1
        grouped.update(g.members)
    for a, n in ally_groups.items():
        if n > 1:
            problems.append(f"ally {a} is in {n} groups")
    for c, n in allies_of.items():
        if n > places.get(c, 0):
            problems.append(f"colleague {c} has {n} allies, cap allows {places.get(c, 0)}")
    listed = {(r.members, r.rounds_ago) for r in plan.repeats}
    for r in sorted(found_repeats - listed):
        problems.append(f"repeat {r[0]} ({r[1]} rounds ago) is not reported")
    for r in sorted(listed - found_repeats):
        problems.append(f"reported repeat {r[0]} is not in the plan")
    seen_out: set[str] = set()
    for s in plan.sat_out:
        if s.user_id in seen_out:
            problems.append(f"{s.user_id} sits out twice")
        seen_out.add(s.user_id)
        if s.user_id in grouped:
            problems.append(f"{s.user_id} is grouped and sits out")
        if not s.reason_code or not s.reason:
            problems.append(f"{s.user_id} sits out without a reason")
        if s.user_id not in by_id:
            problems.append(f"{s.user_id} sits out but is not a member")
    for u in by_id:
        if u not in grouped and u not in seen_out:
            problems.append(f"{u} is neither grouped nor sitting out")
    return problems
