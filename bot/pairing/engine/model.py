"""The engine's vocabulary: what goes in (members, rules, history) and what comes out.

These frozen dataclasses are the whole surface between the engine and its callers
(the round runner, tests, the benchmark); nothing else crosses that line, which is
what keeps the engine free of Slack and SQL. They validate on construction so every
later stage can trust its input, and they compare by value, which is how the tests
check that the same input and seed give the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

Role = Literal["ally", "colleague"]
GroupKind = Literal["buddy", "peer"]
Solver = Literal["auto", "dense", "classes"]

#: Minutes in a day: UTC offsets live strictly inside one day either way.
MINUTES_PER_DAY: Final = 24 * 60

#: Sit-out reason codes (stable: stored and counted by callers).
NO_PLACE: Final = "no_place"
NO_ALLOWED_PARTNER: Final = "no_allowed_partner"
QUARTER_CAP: Final = "quarter_cap"
ODD_ONE_OUT: Final = "odd_one_out"


@dataclass(frozen=True)
class Member:
    """An active member of the programme, as the engine needs them.

    ``utc_offset_minutes`` is the member's current offset (e.g. 330 for India);
    ``never`` is their personal "never pair me with" list of user ids;
    ``work_minutes`` their own working hours as local minutes after midnight
    (start, end), 09:00-18:00 unless they set others.
    """

    user_id: str
    role: Role
    department: str | None = None
    utc_offset_minutes: int = 0
    manager_id: str | None = None
    never: frozenset[str] = frozenset()
    work_minutes: tuple[int, int] = (9 * 60, 18 * 60)

    def __post_init__(self) -> None:
        if not self.user_id:
            raise ValueError("a member needs a user id")
        if self.role not in ("ally", "colleague"):
            raise ValueError(f"unknown role {self.role!r} for {self.user_id}")
        if not -MINUTES_PER_DAY < self.utc_offset_minutes < MINUTES_PER_DAY:
            raise ValueError(f"UTC offset out of range for {self.user_id}")
        start, end = self.work_minutes
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(f"working hours out of range for {self.user_id}")
        if not isinstance(self.never, frozenset):
            object.__setattr__(self, "never", frozenset(self.never))


@dataclass(frozen=True)
class Rules:
    """A programme's pairing rules.

    ``never_pairs`` / ``always_pairs`` are the admin rules, each a set of two
    user ids. ``colleague_quarter_cap`` limits how many allies a colleague is
    paired with per quarter (None: no limit).
    """

    repeat_window: int = 6
    colleague_round_cap: int = 1
    colleague_quarter_cap: int | None = None
    peer_pairs: bool = False
    never_pairs: frozenset[frozenset[str]] = frozenset()
    always_pairs: frozenset[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        if self.repeat_window < 0:
            raise ValueError("repeat_window must be >= 0")
        if self.colleague_round_cap < 1:
            raise ValueError("colleague_round_cap must be >= 1")
        if self.colleague_quarter_cap is not None and self.colleague_quarter_cap < 0:
            raise ValueError("colleague_quarter_cap must be >= 0")
        for name in ("never_pairs", "always_pairs"):
            pairs = frozenset(frozenset(p) for p in getattr(self, name))
            if any(len(p) != 2 for p in pairs):
                raise ValueError(f"every entry of {name} must name two different people")
            object.__setattr__(self, name, pairs)


@dataclass(frozen=True)
class History:
    """What earlier rounds left behind.

    ``recent`` maps a pair (or any two people who shared a group) to how many
    rounds ago they last met: 1 is last round. ``ended`` pairs were ended by a
    member and are blocked forever. ``quarter_counts`` is how many allies each
    colleague has been paired with so far this quarter.
    """

    recent: Mapping[frozenset[str], int] = field(default_factory=dict)
    ended: frozenset[frozenset[str]] = frozenset()
    sat_out_last_round: frozenset[str] = frozenset()
    quarter_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """People who meet this round.

    ``buddy``: ``(ally, colleague)``, or ``(ally, colleague, joined colleague)``
    when a colleague who would otherwise be alone joined that pair. ``peer``: two
    or three allies, sorted by user id.
    """

    members: tuple[str, ...]
    kind: GroupKind


@dataclass(frozen=True)
class SitOut:
    """Someone not in any group this round, with a reason code and a reason."""

    user_id: str
    reason_code: str
    reason: str


@dataclass(frozen=True)
class Repeat:
    """A buddy pair that already met within the repeat window: ``(ally, colleague)``."""

    members: tuple[str, str]
    rounds_ago: int


@dataclass(frozen=True)
class RoundPlan:
    """The round: groups, who sits out and why, repeats, and a readable report.

    ``notes`` are for the programme's admins, in plain words. ``method`` says which
    solver ran and what it repaired, for logs, tests and benchmarks (never shown
    to people: it is jargon to them). ``cost`` is the total :func:`pair_cost` of
    every ally-colleague pairing (lower is better); peer groups are not counted.
    """

    groups: tuple[Group, ...]
    sat_out: tuple[SitOut, ...]
    repeats: tuple[Repeat, ...]
    notes: tuple[str, ...]
    cost: float
    method: str = ""
