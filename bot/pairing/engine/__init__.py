"""The pairing engine: who meets whom this round (pure: no Slack, no SQL).

A round pairs each *colleague place* with one ally. A colleague with a round cap
of N offers N places (fewer if the quarterly cap is nearly used up); each filled
place is its own buddy group ``(ally, colleague)``, so a colleague with two allies
appears in two groups. An ally is in at most one group.

What the engine optimises, in strict priority order (each level only breaks ties
of the levels above it):

1. **Hard rules, never broken.** Personal never-lists (either direction), admin
   never rules, pairs ended by a member (blocked forever), a member with their
   manager or a direct report.
2. **As many buddy places filled as possible.** Colleagues are who the programme
   is for, so an empty place is worse than anything below.
3. **Fewest repeats, then the oldest.** A pair that met within ``repeat_window``
   rounds is a repeat. A repeat is only chosen when no repeat-free way to fill the
   same number of places exists; then the plan lists them and says so. Admin
   "always" pairs are meant to recur, so they never count as repeats.
4. **Admin "always" pairs** are paired whenever both are present and that costs
   nothing above.
5. **Fairness.** Whoever sat out last round is first in line for a buddy place,
   and every colleague gets a first ally before anyone gets a second.
6. **Soft cost**, :func:`pair_cost`: a shared department costs 1 and working hours
   that don't overlap cost up to 1 (each member's own hours, 09:00-18:00 local by
   default, placed on the UTC day by their offset).

Two solvers produce the buddy matching:

* ``dense`` (small programmes, and the benchmark's reference optimum): one exact
  rectangular assignment (``scipy.optimize.linear_sum_assignment``) over every
  ally x place, with the levels above encoded as weights. Up to about 150 pairs
  the weights make the order exactly lexicographic (float64 stays exact); beyond
  that each level still outweighs the levels below summed over 150 pairs.
* ``classes`` (large programmes): the soft cost depends only on (department, working
  window in UTC), so members fall into a few hundred classes. An exact transportation
  problem between ally classes and place classes (a small linear programme) gives
  the optimal soft cost and fairness; members are then dealt out inside their
  classes in seeded random order. The few pairs that break a hard rule or repeat
  are repaired by swapping partners with another member of the same class (which
  leaves the cost unchanged), and whatever is left by an exact dense assignment
  over the conflicted members and a neighbourhood around them. Always pairs are
  placed first and kept out of the cost-neutral swaps. At 100,000 members the
  whole round takes about 0.6 s on two cores (``python -m benchmarks.pairing``),
  most of it reading the input.

Then the leftovers:

* A colleague left without any ally (more places than allies, or rules) joins an
  existing buddy pair as a third member when the rules allow, rather than being
  left alone: ``(ally, colleague, joined colleague)``. Each pair takes at most one.
* Leftover allies sit out, or, with ``peer_pairs`` on, form ally peer pairs that
  obey the same hard rules and never repeat within the window (peer pairs are a
  bonus, so an ally who can't get a fresh peer sits out instead of repeating).
  An odd ally joins a peer pair as a third member. When exactly one ally is left
  over there is no peer pair to join; adding them to a buddy pair would exceed
  that colleague's cap, so they sit out with ``odd_one_out`` and, like everyone
  who sits out, are first in line next round.

Everyone not in a group gets a :class:`SitOut` with a reason code and a reason
that can be shown to them. The plan is deterministic for a given seed and does
not depend on input order: inputs are sorted by user id before anything else.

The modules, each depending only on those above it:

* ``arrays``: numpy type aliases. ``model``: the public dataclasses and reason codes.
* ``costs``: hard rules, caps, the soft cost and the lexicographic weights.
* ``programme``: the input as arrays, with vectorised pair look-ups.
* ``dense``, ``transport``: the two solvers; ``matching`` picks one.
* ``leftovers``: colleague trios and peer groups. ``report``: repeats, reasons, notes.
* ``plan``: :func:`plan_round` and :func:`advance`. ``checker``: :func:`violations`,
  written independently of all the above for tests and the benchmark.
"""

from bot.pairing.engine.checker import violations
from bot.pairing.engine.costs import (
    forbidden,
    hours_overlap,
    pair_cost,
    place_counts,
    working_hours_overlap,
)
from bot.pairing.engine.dense import DENSE_CELLS
from bot.pairing.engine.model import (
    NO_ALLOWED_PARTNER,
    NO_PLACE,
    ODD_ONE_OUT,
    QUARTER_CAP,
    Group,
    History,
    Member,
    Repeat,
    RoundPlan,
    Rules,
    SitOut,
)
from bot.pairing.engine.plan import advance, plan_round

__all__ = [
    "DENSE_CELLS",
    "NO_ALLOWED_PARTNER",
    "NO_PLACE",
    "ODD_ONE_OUT",
    "QUARTER_CAP",
    "Group",
    "History",
    "Member",
    "Repeat",
    "RoundPlan",
    "Rules",
    "SitOut",
    "advance",
    "forbidden",
    "hours_overlap",
    "pair_cost",
    "place_counts",
    "plan_round",
    "violations",
    "working_hours_overlap",
]
