"""Store a planned round in short transactions, and show it to members only when whole.

Why: a round for 10,000 members used to be written in one transaction that held
SQLite's write lock for seconds, so every request that wanted to write waited
(or gave up with "busy"). Here the plan, once the period is claimed, waits in
the round's ``report`` under :data:`PENDING`, and :func:`write_pending` stores it
:data:`CHUNK` groups at a time: the pairs in one short transaction (a few
statements, :mod:`storage.rounds`), their introductions rendered with no
transaction open, then owed in another; sit-outs a chunk per transaction. Each
holds the write lock for about 10 ms, and a short pause between chunks leaves
requests the database and the interpreter.

Nothing is visible before the end: pairs are stored ``pending``, the round has
no ``completed_at``, and its introductions and sit-out notes name the outbox
hold ``round:<id>``, which keeps them unsent. The transaction that stores the
last chunk activates the pairs, marks the round complete and releases the hold
(deletes its one row); members see the whole round at once or nothing.

A crash between chunks (or inside one, which rolls that chunk back) leaves the
round incomplete; whoever runs the period's round next (the scheduler's next
tick, an admin's "run now") finishes it from where the committed chunks end.
Each chunk re-reads that point under a lock on the round's row, so two writers
never store a group twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.services import Services
from bot.membership import hours as working_hours
from bot.membership.members import Status
from bot.pairing import planner
from bot.pairing.changes import step_back
from bot.pairing.intros import kind_of, owe_intro, owed_intros
from bot.pairing.notices import sit_out_text
from storage import pairing as store
from storage import rounds as rounds_store
from storage.models import Programme

#: Where a round's report keeps the part of its plan still to be stored.
PENDING = "pending"
#: Groups (or sit-outs) stored per transaction.
CHUNK = 200
#: Shortest pause between two chunks (each pause also lasts as long as the chunk
#: took): requests waiting for the database go first anyway (:mod:`storage.writers`),
#: this also leaves them the interpreter and the cores.
CHUNK_PAUSE_SECONDS = 0.02


@dataclass(frozen=True)
class PlanToStore:
    """The part of a plan that becomes rows: plain data, kept in the round's report."""

    groups: list[dict[str, str]]  # user id -> role, per group
    sat_out: list[tuple[str, str]]  # (user id, reason)
    notices: dict[str, str] = field(default_factory=dict)  # user id -> sit-out DM
    #: A scheduled round's intros wait for each pair's shared working hours.
    scheduled: bool = False

    def to_report(self) -> dict[str, Any]:
        return {
            "groups": self.groups,
            "sat_out": [list(s) for s in self.sat_out],
            "notices": self.notices,
            "scheduled": self.scheduled,
        }

    @classmethod
    def from_report(cls, data: dict[str, Any]) -> PlanToStore:
        return cls(
            groups=[dict(g) for g in data.get("groups", [])],
            sat_out=[(str(u), str(r)) for u, r in data.get("sat_out", [])],
            notices={str(k): str(v) for k, v in dict(data.get("notices", {})).items()},
            scheduled=bool(data.get("scheduled", False)),
        )


def hold_of(round_id: int) -> str:
    """The outbox hold of a round's messages until it is complete."""
    return f"round:{round_id}"


def write_pending(
    services: Services,
    round_id: int,
    *,
    keep_lease: Callable[[Session], bool] | None = None,
    pause: float = CHUNK_PAUSE_SECONDS,
    worker: planner.Worker | None = None,
) -> bool:
    """Store what is left of the round, a chunk at a time; True once complete.

    A chunk of groups takes two short transactions: the pairs (which gives their
    ids), then their introductions, rendered in between with no transaction open.
    Pairs stored without an introduction (a crash between the two) get it first.
    ``keep_lease`` renews the caller's lease in each transaction; when it says the
    lease was lost (another instance took the round over), this stops. ``worker``
    renders the introductions (the planning one, or one of its own sized to the
    round).
    """
    with services.db.read() as session:  # read once, outside any lock: it does not change
        plan = PlanToStore.from_report(rounds_store.pending_plan(session, round_id, PENDING))
    if worker is None:
        with planner.Worker(len(plan.groups)) as own:
            return _write(services, round_id, plan, keep_lease, pause, own)
    return _write(services, round_id, plan, keep_lease, pause, worker)


def _write(
    services: Services,
    round_id: int,
    plan: PlanToStore,
    keep_lease: Callable[[Session], bool] | None,
    pause: float,
    worker: planner.Worker,
) -> bool:
    while True:
        started = time.monotonic()
        with services.db.transaction() as session:
            state = _locked(session, round_id, keep_lease)
            if state is None or state.completed_at is not None:
                return state is not None
            new_pairs = _store_next_chunk(services, session, state, plan)
            team_id, created_at = _team(session, state), state.created_at
        if new_pairs is None:
            return True
        if new_pairs:
            # The costly part: with no lock held, and for a large round in another process.
            users = sorted({u for _, roles in new_pairs for u in roles})
            with services.db.read() as session:
                people = working_hours.people(session, team_id, users)
            drafts = worker.draft_intros(new_pairs, people, created_at, plan.scheduled)
            messages, refs = owed_intros(new_pairs, drafts, created_at)
            with services.db.transaction() as session:
                state = _locked(session, round_id, keep_lease)
                if state is None or state.completed_at is not None:
                    return state is not None
                _store_intros(session, team_id, round_id, messages, refs, state.created_at)
        services.db.checkpoint()  # copy the round's pages home between chunks, not inside one
        # Rest at least as long as the chunk took: the round gets half the machine at
        # most (its database server's share included), requests the rest.
        time.sleep(max(pause, time.monotonic() - started))


def _locked(
    session: Session, round_id: int, keep_lease: Callable[[Session], bool] | None
) -> rounds_store.RoundState | None:
    """The round under its row lock, or None when it is gone or our lease was lost."""
    state = rounds_store.lock_round(session, round_id)
    if state is None or (state.completed_at is None and keep_lease and not keep_lease(session)):
        return None
    return state


def _team(session: Session, state: rounds_store.RoundState) -> str:
    programme = store.programme(session, state.programme_id)
    if programme is None:
        raise LookupError(f"no programme {state.programme_id}")
    return programme.team_id


def _store_next_chunk(
    services: Services, session: Session, state: rounds_store.RoundState, plan: PlanToStore
) -> list[tuple[int, dict[str, str]]] | None:
    """The next step, in the caller's transaction: the pairs still owed an introduction
    (just stored, or left so by a crash), or [] after a chunk of sit-outs, or None once
    everything was stored and the round published."""
    round_id = state.id
    owed = rounds_store.pairs_without_intro(session, round_id)
    if owed:
        return owed
    groups_done, sat_out_done = rounds_store.stored_so_far(session, round_id)
    if groups_done < len(plan.groups):
        part = plan.groups[groups_done : groups_done + CHUNK]
        ids = rounds_store.add_pending_pairs(
            session,
            round_id=round_id,
            programme_id=state.programme_id,
            groups=[(kind_of(roles), roles) for roles in part],
            now=state.created_at,
        )
        return list(zip(ids, part, strict=True))
    programme = store.programme(session, state.programme_id)
    assert programme is not None
    if sat_out_done < len(plan.sat_out):
        part_out = plan.sat_out[sat_out_done : sat_out_done + CHUNK]
        _store_sat_out(session, programme, round_id, part_out, plan.notices, state.created_at)
        return []
    _publish(services, session, programme, round_id)
    rounds_store.drop_pending_plan(session, round_id, PENDING)
    return None


def _store_intros(
    session: Session,
    team_id: str,
    round_id: int,
    messages: dict[int, list[outbox.Owed]],
    refs: dict[int, str],
    now: datetime,
) -> None:
    """Owe the drafted introductions (and calendar files) of pairs that still have
    none (held)."""
    still = rounds_store.without_intro(session, list(refs))
    keep = {pair_id: ref for pair_id, ref in refs.items() if pair_id in still}
    rounds_store.set_intro_refs(session, keep)
    outbox.send_many(
        session,
        team_id=team_id,
        messages=[m for pair_id in keep for m in messages[pair_id]],
        now=now,
        hold=hold_of(round_id),
    )


def _store_sat_out(
    session: Session,
    programme: Programme,
    round_id: int,
    sat_out: Sequence[tuple[str, str]],
    notices: dict[str, str],
    now: datetime,
) -> None:
    rounds_store.add_sit_outs(session, round_id, [(u, "sat_out", r) for u, r in sat_out])
    outbox.send_many(
        session,
        team_id=programme.team_id,
        messages=[
            outbox.Owed.message(
                "dm",
                [user_id],
                notices.get(user_id) or sit_out_text("", "ally"),
                None,
                dedupe_key=f"satout:{round_id}:{user_id}",
            )
            for user_id, _reason in sat_out
        ],
        now=now,
        hold=hold_of(round_id),
    )


def _publish(services: Services, session: Session, programme: Programme, round_id: int) -> None:
    """The last chunk's transaction: the round becomes the current one, its messages go."""
    now = services.clock.now()
    rounds_store.complete_round(session, round_id, now)
    outbox.release(session, hold_of(round_id))
    _mend_departures(session, programme, round_id, now)


def _mend_departures(session: Session, programme: Programme, round_id: int, now: datetime) -> None:
    """People who paused, left or were forgotten while the round was being stored.

    They were in the plan, but the usual departure path only sees complete rounds;
    now that this one is, it runs for them (their buddies are told, intros updated).
    Someone forgotten took their place in the pair and their held introduction with
    them: a pair left with one person closes (that person is first in line next
    round), a group left with two or more gets its introduction again.
    """
    for user_id, status in rounds_store.members_not_active(session, round_id, programme.team_id):
        reason = "left" if status == Status.LEFT else "paused"
        step_back(session, programme.team_id, user_id, reason, now, programme_id=programme.id)
    for pair, roles, has_intro in rounds_store.pairs_missing_people(session, round_id):
        if len(roles) < 2:
            pair.status, pair.ended_at = "closed", now
            for user_id in roles:
                store.add_sit_out(
                    session, round_id, user_id, "pair_changed", "your buddy wasn't able to continue"
                )
        elif not has_intro:
            owe_intro(session, programme, pair, roles, now, key=f"intro:{pair.id}:again")
