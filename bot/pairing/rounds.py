"""Pairing rounds: gather a programme's members and rules, ask the engine for a
plan, store it once per period, and owe every pair its introduction.

The plan itself comes from the pure engine in :mod:`bot.pairing.engine` (run in a
separate process for large programmes, :mod:`.planner`); this module translates
between the database and the engine, and :mod:`.round_writer` stores the plan in
short transactions, showing it to members only once it is whole.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.calendar import latest_slot, period_key, round_slot
from bot.core.services import Services
from bot.core.text import escape, mention, plural
from bot.membership import hours as working_hours
from bot.membership.members import Status
from bot.pairing import engine, planner, round_writer
from bot.pairing.changes import step_back
from bot.pairing.notices import sit_out_text
from bot.programmes.settings import find
from storage import leases
from storage import pairing as store
from storage import rounds as rounds_store
from storage.models import Programme
from storage.pairing_models import PairingRound

log = logging.getLogger(__name__)

IGNORED_INTROS_BEFORE_PAUSE = 3
#: A round missed while the bot was down is still run if no more than this late.
CATCH_UP = timedelta(days=1)


@dataclass(frozen=True)
class RoundOutcome:
    """What happened when a round was requested."""

    round_id: int | None
    created: bool
    groups: list[dict[str, str]]  # user id -> role, per group
    sat_out: list[tuple[str, str]]  # (user id, reason)
    repeats: int
    notes: list[str]
    paused: list[str]
    #: What each person sitting out is told (user id -> DM text, see :mod:`.notices`).
    sit_out_notices: dict[str, str] = field(default_factory=dict)
    #: Another instance is making this period's round right now (or this one could
    #: not finish it); it will be complete without anyone running it again.
    in_progress: bool = False


def _inputs(
    session: Session, programme: Programme
) -> tuple[list[engine.Member], engine.Rules, engine.History]:
    active = rounds_store.active_for_planning(session, programme.id)
    personal: dict[str, set[str]] = {}
    never_pairs: set[frozenset[str]] = set()
    always_pairs: set[frozenset[str]] = set()
    ended: set[frozenset[str]] = set()
    for rule in store.rules(session, programme.id):
        key = frozenset((rule.owner, rule.other))
        if rule.kind == "personal":
            personal.setdefault(rule.owner, set()).add(rule.other)
        elif rule.kind == "never":
            never_pairs.add(key)
        elif rule.kind == "always":
            always_pairs.add(key)
        elif rule.kind == "ended":
            ended.add(key)
    members = [
        engine.Member(
            user_id=m.user_id,
            role="colleague" if m.role == "colleague" else "ally",
            department=m.department,
            utc_offset_minutes=m.tz_offset_seconds // 60,
            manager_id=m.manager_id,
            never=frozenset(personal.get(m.user_id, ())),
            work_minutes=working_hours.planned(m.hours_start, m.hours_end, m.hours_days).minutes,
        )
        for m in active
    ]
    rounds = store.recent_rounds(session, programme.id, programme.repeat_window)
    age = {r.id: i + 1 for i, r in enumerate(rounds)}
    pairs = store.pairs_in_rounds(session, [r.id for r in rounds], store.HAPPENED)
    people = store.participants_of(session, [p.id for p in pairs])
    recent: dict[frozenset[str], int] = {}
    for p in pairs:
        for a, b in itertools.combinations([pp.user_id for pp in people[p.id]], 2):
            key = frozenset((a, b))
            recent[key] = min(recent.get(key, 10**6), age[p.round_id])
    sat_out_last = store.sat_out_in_round(session, rounds[0].id) if rounds else set()
    quarter_start = _quarter_start(rounds[0].created_at if rounds else None)
    quarter_counts: dict[str, int] = {}
    if programme.colleague_quarter_cap is not None and quarter_start is not None:
        recent_pairs = store.pairs_since(session, programme.id, quarter_start, store.HAPPENED)
        for parts in store.participants_of(session, [p.id for p in recent_pairs]).values():
            for pp in parts:
                if pp.role == "colleague":
                    quarter_counts[pp.user_id] = quarter_counts.get(pp.user_id, 0) + 1
    rules = engine.Rules(
        repeat_window=programme.repeat_window,
        colleague_round_cap=programme.colleague_round_cap,
        colleague_quarter_cap=programme.colleague_quarter_cap,
        peer_pairs=programme.peer_pairs,
        never_pairs=frozenset(never_pairs),
        always_pairs=frozenset(always_pairs),
    )
    history = engine.History(
        recent=recent,
        ended=frozenset(ended),
        sat_out_last_round=frozenset(sat_out_last),
        quarter_counts=quarter_counts,
    )
    return members, rules, history


def _quarter_start(reference: datetime | None) -> datetime | None:
    if reference is None:
        return None
    month = (reference.month - 1) // 3 * 3 + 1
    return reference.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _describe(plan: engine.RoundPlan, roles: dict[str, str]) -> RoundOutcome:
    groups = [{u: roles.get(u, "ally") for u in g.members} for g in plan.groups]
    return RoundOutcome(
        round_id=None,
        created=False,
        groups=groups,
        sat_out=[(s.user_id, s.reason) for s in plan.sat_out],
        repeats=len(plan.repeats),
        notes=list(plan.notes),
        paused=[],
        sit_out_notices={
            s.user_id: sit_out_text(s.reason_code, roles.get(s.user_id, "ally"))
            for s in plan.sat_out
        },
    )


def preview(services: Services, programme_id: int, seed: int = 0) -> RoundOutcome:
    """What a round would be now; nothing is stored or sent."""
    with services.db.read() as session:
        programme = _programme(session, programme_id)
        members, rules, history = _inputs(session, programme)
    plan = planner.plan(members, rules, history, seed)  # large: not in this process
    return _describe(plan, {m.user_id: m.role for m in members})


def _programme(session: Session, programme_id: int) -> Programme:
    programme = store.programme(session, programme_id)
    if programme is None:
        raise LookupError(f"no programme {programme_id}")
    return programme


#: How long the instance planning or storing a round holds it; renewed with every
#: chunk, so it lapses only when that instance died, and another then finishes it.
ROUND_LEASE = timedelta(minutes=2)
#: How long a manual run waits for another instance that is making the same round.
WAIT_FOR_OTHER_SECONDS = 120.0
_POLL_SECONDS = 0.5


def _lease_name(programme_id: int, period: str) -> str:
    return f"round:{programme_id}:{period}"[:64]


def run_round(
    services: Services,
    programme_id: int,
    period: str,
    created_by: str,
    seed: int | None = None,
    *,
    wait: bool = True,
) -> RoundOutcome:
    """Create the round for ``period`` once (on any instance), and owe its messages.

    Running it again for the same period returns the existing round untouched.
    Whoever makes the round holds a lease on it, so of several instances (a
    manual run here, the scheduler there) one plans it; the others wait for it
    (``wait``) and find it done. The plan is made outside any transaction (in
    another process when large, :mod:`.planner`) and stored in short chunks
    (:mod:`.round_writer`); a round a crash left incomplete is finished here.
    """
    owner = f"rounds-{secrets.token_hex(6)}"
    lease = _lease_name(programme_id, period)
    waited_until = time.monotonic() + (WAIT_FOR_OTHER_SECONDS if wait else 0.0)
    while True:
        with services.db.transaction() as session:
            existing = store.round_for_period(session, programme_id, period)
            if existing is not None and existing.completed_at is not None:
                return RoundOutcome(existing.id, False, [], [], 0, [], [])
            mine = leases.try_acquire(session, lease, owner, services.clock.now(), ROUND_LEASE)
        if mine:
            break
        if time.monotonic() >= waited_until:
            return RoundOutcome(None, False, [], [], 0, [], [], in_progress=True)
        time.sleep(_POLL_SECONDS)
    try:
        return _make_round(services, programme_id, period, created_by, seed, lease, owner)
    finally:
        with services.db.transaction() as session:
            leases.release(session, lease, owner)


def _make_round(
    services: Services,
    programme_id: int,
    period: str,
    created_by: str,
    seed: int | None,
    lease: str,
    owner: str,
) -> RoundOutcome:
    """Under the round's lease: finish an interrupted round, or plan and store a new one."""

    def keep_lease(session: Session) -> bool:
        return leases.try_acquire(session, lease, owner, services.clock.now(), ROUND_LEASE)

    with services.db.read() as session:
        existing = store.round_for_period(session, programme_id, period)
    if existing is not None and existing.completed_at is not None:
        return RoundOutcome(existing.id, False, [], [], 0, [], [])  # finished meanwhile
    if existing is not None:
        # A crash (or a lost lease) left it incomplete: finish it from its stored plan.
        report = existing.report or {}
        stored = round_writer.PlanToStore.from_report(dict(report.get(round_writer.PENDING) or {}))
        done = round_writer.write_pending(services, existing.id, keep_lease=keep_lease)
        return RoundOutcome(
            existing.id,
            done,
            stored.groups,
            stored.sat_out,
            int(report.get("repeats", 0)),
            list(report.get("notes", [])),
            [],
            sit_out_notices=stored.notices,
            in_progress=not done,
        )
    now = services.clock.now()
    seed = secrets.randbelow(2**31) if seed is None else seed
    with services.db.transaction() as session:
        # Pausing comes first, as one short transaction, so the plan sees them paused
        # (and their buddies first in line); a rerun finds nobody left to pause.
        paused = _pause_ignorers(session, _programme(session, programme_id), now)
    with services.db.read() as session:
        members, rules, history = _inputs(session, _programme(session, programme_id))
    with planner.Worker(len(members)) as worker:
        return _plan_and_store(
            services,
            programme_id,
            period,
            created_by,
            seed,
            now,
            paused,
            (members, rules, history),
            worker,
            keep_lease,
        )


def _plan_and_store(
    services: Services,
    programme_id: int,
    period: str,
    created_by: str,
    seed: int,
    now: datetime,
    paused: list[str],
    inputs: tuple[list[engine.Member], engine.Rules, engine.History],
    worker: planner.Worker,
    keep_lease: Callable[[Session], bool],
) -> RoundOutcome:
    """Plan (in ``worker``), claim the period, and store the plan chunk by chunk."""
    members, rules, history = inputs
    plan = worker.plan(members, rules, history, seed)
    log.debug("planned a round for programme %s: %s", programme_id, plan.method)
    described = _describe(plan, {m.user_id: m.role for m in members})
    to_store = round_writer.PlanToStore(
        described.groups,
        described.sat_out,
        described.sit_out_notices,
        scheduled=created_by == "scheduler",  # scheduled intros wait for shared hours
    )
    try:
        with services.db.transaction() as session:
            keep_lease(session)
            round_ = store.add_round(
                session,
                PairingRound(
                    programme_id=programme_id,
                    period=period,
                    seed=seed,
                    created_at=now,
                    created_by=created_by,
                    report={
                        "repeats": described.repeats,
                        "notes": described.notes,
                        "sat_out": len(described.sat_out),
                        round_writer.PENDING: to_store.to_report(),
                    },
                ),
            )
            round_id = round_.id
    except IntegrityError:
        # Another instance created this period's round without the lease (an older
        # version of the bot): theirs stands.
        with services.db.read() as session:
            taken = store.round_for_period(session, programme_id, period)
        if taken is None:
            raise
        return RoundOutcome(taken.id, False, [], [], 0, [], [])
    done = round_writer.write_pending(services, round_id, keep_lease=keep_lease, worker=worker)
    return RoundOutcome(
        round_id,
        done,
        described.groups,
        described.sat_out,
        described.repeats,
        described.notes,
        paused,
        sit_out_notices=described.sit_out_notices,
        in_progress=not done,
    )


def _pause_ignorers(session: Session, programme: Programme, now: datetime) -> list[str]:
    """Pause members who let their last three introductions go unanswered.

    Whoever is still paired with them this round is told their buddy isn't able to
    continue (never why), before the new round is planned.
    """
    streaks = rounds_store.unanswered_streaks(session, programme.id, IGNORED_INTROS_BEFORE_PAUSE)
    paused: list[str] = []
    if not streaks:
        return paused
    for member, _org in store.programme_members(session, programme.id):
        if member.status != Status.ACTIVE or member.user_id not in streaks:
            continue
        member.status = Status.PAUSED
        member.paused_until = None
        paused.append(member.user_id)
        outbox.send_dm(
            session,
            team_id=programme.team_id,
            user_id=member.user_id,
            text=(
                "We haven't heard back about your last three buddy introductions, so "
                "I've paused your pairings to avoid leaving anyone waiting. Type "
                "`/ally resume` (or use my Home tab) whenever you'd like to come back."
            ),
            now=now,
            dedupe_key=f"ignored-pause:{member.id}:{now.date().isoformat()}",
        )
        step_back(session, programme.team_id, member.user_id, "paused", now, round_starting=True)
    return paused


def due_rounds(services: Services) -> int:
    """Scheduler task: finish any round a crash left incomplete, then run every
    programme's round whose slot has come (once).

    A slot is run if it is less than :data:`CATCH_UP` late (a restart catches up)
    and not earlier than the programme's last schedule change (changing the time to
    an hour already past never starts a round at once). A round another instance
    is making right now is left to it.
    """
    now = services.clock.now()
    with services.db.read() as session:
        unfinished = rounds_store.incomplete_rounds(session)
        due = [
            (
                p.id,
                latest_slot(now, p.tz, p.weekday, p.local_time, p.cadence_weeks),
                p.schedule_from,
            )
            for p in store.programmes(session)
        ]
    created = 0
    for _round_id, programme_id, period in unfinished:
        created += run_round(services, programme_id, period, "scheduler", wait=False).created
    for programme_id, slot, schedule_from in due:
        if now - slot > CATCH_UP or (schedule_from is not None and slot < schedule_from):
            continue
        # Manual runs use the same period key, so a period has one round whoever
        # starts it (the lease, and the unique constraint, settle a race).
        outcome = run_round(services, programme_id, period_key(slot), "scheduler", wait=False)
        created += outcome.created
    return created


def run_now(
    services: Services, team_id: str, programme: str | None, created_by: str, *, dry_run: bool
) -> str:
    """Preview (``dry_run``) or run this period's round by hand; the formatted outcome.

    The one path behind ``/ally admin pair preview|run`` and ``allybot pair``. A
    manual run fills the period of :func:`bot.core.calendar.round_slot`: on a round
    day before the slot's time that is today's round, so the scheduler finds it done.
    """
    now = services.clock.now()
    with services.db.transaction() as session:
        found = find(session, team_id, programme, now)
        programme_id = found.id
        slot = round_slot(now, found.tz, found.weekday, found.local_time, found.cadence_weeks)
    if dry_run:
        return format_outcome(preview(services, programme_id), preview=True)
    outcome = run_round(services, programme_id, period_key(slot), created_by)
    return format_outcome(outcome, preview=False)


_ID_PAIR = re.compile(r"\b([UW][A-Z0-9]{2,})-([UW][A-Z0-9]{2,})\b")
_ID = re.compile(r"(?<![<@\w])([UW][A-Z0-9]{2,})\b")


def _mentions(note: str) -> str:
    """An engine note (bare user ids, ``A-B`` for two people) as escaped mrkdwn."""
    text = _ID_PAIR.sub(r"\1 and \2", escape(note))
    return _ID.sub(lambda m: mention(m.group(1)), text)


def format_outcome(outcome: RoundOutcome, *, preview: bool) -> str:
    """The admin's summary of a round, in plain words (mrkdwn; ids rendered as mentions)."""
    if not preview and outcome.in_progress:
        return (
            "This period's round is being prepared right now; the introductions will go "
            "out as soon as it is ready, with nothing more to do."
        )
    if not preview and not outcome.created:
        return "This period's round already exists, so nothing new was sent."
    head = (
        "*Round preview*: nothing is stored or sent."
        if preview
        else "*Round created*: the introductions are on their way."
    )
    lines = [head]
    lines += [f"• {_mentions(n)}" for n in outcome.notes[:10]]
    shown = outcome.sat_out[:20]
    lines += [f"• {mention(u)} sits out: {escape(r)}." for u, r in shown]
    if len(outcome.sat_out) > len(shown):
        more = plural(len(outcome.sat_out) - len(shown), "more person", "more people")
        lines.append(f"• …and {more} sitting out.")
    if outcome.paused:
        lines.append(
            f"• Paused after three unanswered introductions "
            f"({plural(len(outcome.paused), 'person', 'people')}): "
            + ", ".join(map(mention, outcome.paused))
        )
    return "\n".join(lines)
