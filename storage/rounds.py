"""Storing a pairing round in short transactions, and showing it once complete.

A large round is written a chunk at a time (pairs with their participants,
sit-outs), each chunk its own transaction, so other requests get the database in
between. Its pairs stay ``pending`` and its round has no ``completed_at`` until
:func:`complete_round`, in the transaction of the last chunk: members never see
half a round, and a crash midway leaves it to be finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.lifecycle_models import WorkingHoursRow
from storage.models import Member, OutboxMessage, ProgrammeMember
from storage.pairing import HAPPENED, PENDING
from storage.pairing_models import OrgProfile, Pair, PairingRound, PairParticipant, SitOut


@dataclass(frozen=True)
class Planned:
    """What planning needs of an active member (plain values, no ORM objects)."""

    user_id: str
    role: str
    tz_offset_seconds: int
    department: str | None
    manager_id: str | None
    #: Their own working hours (``HH:MM``, ``HH:MM``, day mask), when they set them.
    hours_start: str | None = None
    hours_end: str | None = None
    hours_days: int | None = None


def active_for_planning(session: Session, programme_id: int) -> list[Planned]:
    """The programme's active members with their org data, as plain rows.

    Plain rows because a programme may have tens of thousands: ORM objects for
    each cost the serving process several times the time and garbage.
    """
    stmt = (
        select(
            Member.user_id,
            Member.role,
            Member.tz_offset_seconds,
            OrgProfile.department,
            OrgProfile.manager_id,
            WorkingHoursRow.start,
            WorkingHoursRow.end,
            WorkingHoursRow.days,
        )
        .join(ProgrammeMember, ProgrammeMember.member_id == Member.id)
        .outerjoin(
            OrgProfile,
            (OrgProfile.team_id == Member.team_id) & (OrgProfile.user_id == Member.user_id),
        )
        .outerjoin(WorkingHoursRow, WorkingHoursRow.member_id == Member.id)
        .where(ProgrammeMember.programme_id == programme_id, Member.status == "active")
        .order_by(Member.user_id)
    )
    return [Planned(*row) for row in session.execute(stmt).all()]


@dataclass(frozen=True)
class RoundState:
    """A round's small columns, read under its row lock (not its report)."""

    id: int
    programme_id: int
    created_at: datetime
    completed_at: datetime | None


def lock_round(session: Session, round_id: int) -> RoundState | None:
    """Lock the round's row against another writer of its chunks (PostgreSQL; SQLite
    has one writer anyway) and read its state, leaving the (large) report unread."""
    row = session.execute(
        select(
            PairingRound.id,
            PairingRound.programme_id,
            PairingRound.created_at,
            PairingRound.completed_at,
        )
        .where(PairingRound.id == round_id)
        .with_for_update()
    ).one_or_none()
    return None if row is None else RoundState(*row)


def pending_plan(session: Session, round_id: int, key: str) -> dict[str, Any]:
    """What an incomplete round's report keeps under ``key``: its plan, still to store."""
    report = session.scalar(select(PairingRound.report).where(PairingRound.id == round_id))
    return dict((report or {}).get(key) or {})


def drop_pending_plan(session: Session, round_id: int, key: str) -> None:
    """The round is stored: keep only its summary in the report."""
    round_ = session.get(PairingRound, round_id)
    if round_ is not None:
        report = dict(round_.report or {})
        report.pop(key, None)
        round_.report = report


def incomplete_rounds(session: Session) -> list[tuple[int, int, str]]:
    """(round id, programme id, period) of every round not yet stored completely."""
    stmt = (
        select(PairingRound.id, PairingRound.programme_id, PairingRound.period)
        .where(PairingRound.completed_at.is_(None))
        .order_by(PairingRound.id)
    )
    return [(r, p, period) for r, p, period in session.execute(stmt).all()]


def stored_so_far(session: Session, round_id: int) -> tuple[int, int]:
    """How many of a round's groups and sit-outs are stored (chunks commit whole)."""
    pairs = session.scalar(select(func.count()).select_from(Pair).where(Pair.round_id == round_id))
    sat_out = session.scalar(
        select(func.count()).select_from(SitOut).where(SitOut.round_id == round_id)
    )
    return int(pairs or 0), int(sat_out or 0)


def add_pending_pairs(
    session: Session,
    *,
    round_id: int,
    programme_id: int,
    groups: Sequence[tuple[str, dict[str, str]]],
    now: datetime,
) -> list[int]:
    """Store ``(kind, roles)`` groups as pending pairs with their participants, in
    two statements; the new pair ids, in the order of ``groups``."""
    if not groups:
        return []
    rows = [
        {
            "round_id": round_id,
            "programme_id": programme_id,
            "kind": kind,
            "status": PENDING,
            "created_at": now,
        }
        for kind, _roles in groups
    ]
    ids = list(session.scalars(insert(Pair).returning(Pair.id, sort_by_parameter_order=True), rows))
    session.execute(
        insert(PairParticipant),
        [
            {"pair_id": pair_id, "user_id": user_id, "role": role, "responded": False}
            for pair_id, (_kind, roles) in zip(ids, groups, strict=True)
            for user_id, role in roles.items()
        ],
    )
    return ids


def pairs_without_intro(session: Session, round_id: int) -> list[tuple[int, dict[str, str]]]:
    """The round's stored pairs not yet owed their introduction: (pair id, roles)."""
    ids = list(
        session.scalars(
            select(Pair.id)
            .where(Pair.round_id == round_id, Pair.intro_ref.is_(None))
            .order_by(Pair.id)
        )
    )
    if not ids:
        return []
    roles: dict[int, dict[str, str]] = {pair_id: {} for pair_id in ids}
    for p in session.scalars(select(PairParticipant).where(PairParticipant.pair_id.in_(ids))):
        roles[p.pair_id][p.user_id] = p.role
    return [(pair_id, roles[pair_id]) for pair_id in ids]


def without_intro(session: Session, pair_ids: Sequence[int]) -> set[int]:
    """Which of these pairs have no introduction yet."""
    if not pair_ids:
        return set()
    stmt = select(Pair.id).where(Pair.id.in_(list(pair_ids)), Pair.intro_ref.is_(None))
    return set(session.scalars(stmt))


def set_intro_refs(session: Session, refs: dict[int, str]) -> None:
    """Remember each new pair's introduction (pair id -> ref), in one statement."""
    if refs:
        session.execute(
            update(Pair),
            [{"id": pair_id, "intro_ref": ref} for pair_id, ref in refs.items()],
        )


def add_sit_outs(session: Session, round_id: int, rows: Sequence[tuple[str, str, str]]) -> None:
    """Store ``(user id, reason code, reason)`` sit-outs of a round in one statement."""
    if rows:
        session.execute(
            insert(SitOut),
            [
                {"round_id": round_id, "user_id": u, "reason_code": code, "reason": reason[:255]}
                for u, code, reason in rows
            ],
        )


def complete_round(session: Session, round_id: int, now: datetime) -> int:
    """Show a stored round to members: its pairs become active; how many there are."""
    activated = rows_affected(
        session.execute(
            update(Pair)
            .where(Pair.round_id == round_id, Pair.status == PENDING)
            .values(status="active")
            .execution_options(synchronize_session=False)
        )
    )
    session.execute(
        update(PairingRound)
        .where(PairingRound.id == round_id)
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    )
    return activated


def unanswered_streaks(session: Session, programme_id: int, n: int) -> set[str]:
    """Who let their last ``n`` introductions in the programme go unanswered (one query)."""
    ranked = (
        select(
            PairParticipant.user_id.label("user_id"),
            PairParticipant.responded.label("responded"),
            func.row_number()
            .over(partition_by=PairParticipant.user_id, order_by=Pair.id.desc())
            .label("nth"),
        )
        .join(Pair, Pair.id == PairParticipant.pair_id)
        .where(Pair.programme_id == programme_id, Pair.status.in_(HAPPENED))
        .subquery()
    )
    stmt = (
        select(ranked.c.user_id)
        .where(ranked.c.nth <= n)
        .group_by(ranked.c.user_id)
        .having(
            func.count() == n,
            func.sum(case((ranked.c.responded.is_(True), 1), else_=0)) == 0,
        )
    )
    return set(session.scalars(stmt).all())


def members_not_active(session: Session, round_id: int, team_id: str) -> list[tuple[str, str]]:
    """(user id, status) of the round's people who are no longer active members."""
    stmt = (
        select(PairParticipant.user_id, Member.status)
        .join(Pair, Pair.id == PairParticipant.pair_id)
        .join(Member, (Member.team_id == team_id) & (Member.user_id == PairParticipant.user_id))
        .where(Pair.round_id == round_id, Member.status != "active")
        .order_by(PairParticipant.user_id)
    )
    return [(u, s) for u, s in session.execute(stmt).all()]


def pairs_missing_people(
    session: Session, round_id: int
) -> list[tuple[Pair, dict[str, str], bool]]:
    """The round's pairs that lost someone since they were stored: fewer than two
    people left, or their introduction gone (it went with a forgotten member).
    Each as (pair, roles of who is left, whether its introduction is still owed)."""
    lonely = (
        select(PairParticipant.pair_id)
        .join(Pair, Pair.id == PairParticipant.pair_id)
        .where(Pair.round_id == round_id)
        .group_by(PairParticipant.pair_id)
        .having(func.count() < 2)
    )
    no_intro = (
        select(Pair.id)
        .outerjoin(OutboxMessage, OutboxMessage.ref == Pair.intro_ref)
        .where(Pair.round_id == round_id, OutboxMessage.id.is_(None))
    )
    empty = select(Pair.id).where(
        Pair.round_id == round_id,
        ~select(PairParticipant.pair_id).where(PairParticipant.pair_id == Pair.id).exists(),
    )
    ids = {i for stmt in (lonely, no_intro, empty) for i in session.scalars(stmt)}
    out: list[tuple[Pair, dict[str, str], bool]] = []
    for pair in session.scalars(select(Pair).where(Pair.id.in_(sorted(ids))).order_by(Pair.id)):
        roles = {
            p.user_id: p.role
            for p in session.scalars(
                select(PairParticipant).where(PairParticipant.pair_id == pair.id)
            )
        }
        intro = session.scalar(select(OutboxMessage.id).where(OutboxMessage.ref == pair.intro_ref))
        out.append((pair, roles, intro is not None))
    return out
