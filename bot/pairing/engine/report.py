"""What the plan tells people: repeats, a reason for everyone who sits out, the notes.

Sit-out reasons are shown to the member, so they name the rule that kept them out
(never-rules, ended pairs, manager line, repeat window) rather than a code; the
codes (``NO_PLACE`` ...) are for callers to count. The notes are for the admin and
say what the engine could not do and why, including whether a claim like "no
round without repeats exists" is proven (exact solver) or only best effort.
"""

from __future__ import annotations

import itertools

import numpy as np

from bot.core.text import plural
from bot.pairing.engine.arrays import Bools, Ints
from bot.pairing.engine.model import (
    NO_ALLOWED_PARTNER,
    NO_PLACE,
    ODD_ONE_OUT,
    QUARTER_CAP,
    Group,
    Repeat,
    Rules,
    SitOut,
)
from bot.pairing.engine.programme import REPEAT_WINDOW, ProgrammeArrays, blocked_text


def _blocked_partners(prog: ProgrammeArrays, available: Bools) -> tuple[Ints, Ints]:
    """Per member: how many ``available`` people the hard rules block, and why (flags)."""
    lo, hi, kinds = prog.blocked_lo, prog.blocked_hi, prog.blocked_kinds
    count = np.bincount(lo[available[hi]], minlength=prog.n) + np.bincount(
        hi[available[lo]], minlength=prog.n
    )
    why = np.zeros(prog.n, dtype=np.int64)
    np.bitwise_or.at(why, lo[available[hi]], kinds[available[hi]])
    np.bitwise_or.at(why, hi[available[lo]], kinds[available[lo]])
    return count, why


def find_repeats(prog: ProgrammeArrays, pair_a: Ints, pair_c: Ints) -> list[Repeat]:
    """The buddy pairs that met within the repeat window, with how long ago."""
    ages = prog.age(pair_a, pair_c)
    hit = np.flatnonzero(ages)
    # Pairs come sorted by ally and an ally has one buddy: already in canonical order.
    return [
        Repeat((prog.ids[x], prog.ids[y]), g)
        for x, y, g in zip(
            pair_a[hit].tolist(), pair_c[hit].tolist(), ages[hit].tolist(), strict=True
        )
    ]


def sit_out_reasons(
    prog: ProgrammeArrays,
    rules: Rules,
    leftover: list[int],
    allies_left: list[int],
    colleagues_left: list[int],
) -> list[SitOut]:
    """A reason for everyone not in a group, sorted by user id.

    ``leftover`` are the allies without a buddy, ``allies_left`` those of them in
    no peer group either, ``colleagues_left`` the colleagues with a place but no
    group. Colleagues without places (quarterly cap reached) are found here.
    """
    out: list[SitOut] = []
    colleague_places = ~prog.is_ally & (prog.places > 0)
    c_count, c_why = _blocked_partners(prog, colleague_places)
    a_count, a_why = _blocked_partners(prog, prog.is_ally)
    n_places = int(colleague_places.sum())
    n_allies = int(prog.is_ally.sum())
    pool = np.asarray(leftover, dtype=np.int64)
    for u in allies_left:
        if rules.peer_pairs and len(leftover) >= 2:
            others = pool[pool != u]
            us = np.full(len(others), u)
            why = prog.block(us, others) | np.where(prog.age(us, others) > 0, REPEAT_WINDOW, 0)
            if len(others) and (why != 0).all():
                text = blocked_text(int(np.bitwise_or.reduce(why)))
                out.append(
                    SitOut(prog.ids[u], NO_ALLOWED_PARTNER, f"no allowed peer partner: {text}")
                )
            else:
                out.append(
                    SitOut(
                        prog.ids[u],
                        ODD_ONE_OUT,
                        "odd one out: no peer pair could take a third member",
                    )
                )
        elif rules.peer_pairs:
            out.append(
                SitOut(
                    prog.ids[u],
                    ODD_ONE_OUT,
                    "odd one out: the only ally without a buddy this round, so no peer pair",
                )
            )
        elif n_places and c_count[u] >= n_places:
            out.append(
                SitOut(
                    prog.ids[u],
                    NO_ALLOWED_PARTNER,
                    f"no allowed partner: {blocked_text(int(c_why[u]))}",
                )
            )
        elif n_places == 0:
            out.append(SitOut(prog.ids[u], NO_PLACE, "no colleague places this round"))
        else:
            out.append(
                SitOut(prog.ids[u], NO_PLACE, "more allies than colleague places this round")
            )
    for u in colleagues_left:
        if n_allies and a_count[u] >= n_allies:
            out.append(
                SitOut(
                    prog.ids[u],
                    NO_ALLOWED_PARTNER,
                    f"no allowed partner: {blocked_text(int(a_why[u]))}",
                )
            )
        else:
            out.append(SitOut(prog.ids[u], NO_PLACE, "more colleagues than ally places this round"))
    cap = rules.colleague_quarter_cap
    for u in np.flatnonzero(~prog.is_ally & (prog.places == 0)).tolist():
        used = int(prog.quarter_used[u])
        out.append(
            SitOut(
                prog.ids[u], QUARTER_CAP, f"quarterly cap reached ({used} of {cap} this quarter)"
            )
        )
    out.sort(key=lambda s: s.user_id)
    return out


def report_notes(
    prog: ProgrammeArrays,
    rules: Rules,
    groups: list[Group],
    sat_out: list[SitOut],
    repeats: list[Repeat],
    pair_a: Ints,
    pair_c: Ints,
    exact: bool,
) -> list[str]:
    """The admin's notes, in plain words: counts, repeats and why they were
    unavoidable, how last round's sit-outs fared, and why each always-pair not
    together was not honoured. User ids appear bare; callers render them."""
    buddy = [g for g in groups if g.kind == "buddy"]
    peer = [g for g in groups if g.kind == "peer"]
    counts = [
        (sum(len(g.members) == 2 for g in buddy), "buddy pair"),
        (sum(len(g.members) == 3 for g in buddy), "buddy trio"),
        (sum(len(g.members) == 2 for g in peer), "peer pair"),
        (sum(len(g.members) == 3 for g in peer), "peer trio"),
    ]
    formed = ", ".join(plural(n, word) for n, word in counts if n) or "No groups"
    out = (
        f"{plural(len(sat_out), 'person', 'people')} sitting out" if sat_out else "nobody sits out"
    )
    notes = [f"{formed}; {out}."]
    if repeats:
        shown = ", ".join(
            f"{r.members[0]}-{r.members[1]} ({plural(r.rounds_ago, 'round')} ago)"
            for r in repeats[:20]
        )
        more = f" and {len(repeats) - 20:,} more" if len(repeats) > 20 else ""
        claim = "no round without repeats exists" if exact else "no round without repeats was found"
        notes.append(
            f"{plural(len(repeats), 'pair')} met recently: {claim} that fills as many places, "
            f"so the fewest and oldest repeats were chosen: {shown}{more}."
        )
    prio = np.flatnonzero(prog.prio)
    if len(prio):
        paired = np.zeros(prog.n, dtype=bool)
        paired[pair_a] = True
        paired[pair_c] = True
        got = int(paired[prio].sum())
        notes.append(
            f"{got:,} of the {plural(len(prio), 'person', 'people')} who sat out last round "
            f"{'has' if got == 1 else 'have'} a buddy this round."
        )
    wanted = {u for p in rules.always_pairs for u in p}
    together = {
        frozenset(p)
        for g in groups
        if not wanted.isdisjoint(g.members)
        for p in itertools.combinations(g.members, 2)
    }
    for pair in sorted(tuple(sorted(p)) for p in rules.always_pairs):
        x, y = pair
        label = f"Always-pair {x}-{y}"
        if x not in prog.index or y not in prog.index:
            missing = x if x not in prog.index else y
            notes.append(f"{label}: skipped, {missing} is not an active member.")
            continue
        i, j = prog.index[x], prog.index[y]
        if frozenset(pair) in together:
            continue
        if prog.block(np.array([i]), np.array([j]))[0]:
            notes.append(f"{label}: not honoured, a never, ended or manager rule forbids it.")
        elif not prog.is_ally[i] and not prog.is_ally[j]:
            notes.append(f"{label}: not applicable, both are colleagues.")
        elif prog.is_ally[i] and prog.is_ally[j] and not rules.peer_pairs:
            notes.append(f"{label}: not applicable, both are allies and peer pairs are off.")
        elif prog.places[j if prog.is_ally[i] else i] == 0 and prog.is_ally[i] != prog.is_ally[j]:
            notes.append(f"{label}: not honoured, the colleague's quarterly cap is reached.")
        else:
            notes.append(
                f"{label}: not honoured, it clashed with filling places, avoiding repeats "
                "or another always-pair."
            )
    return notes
