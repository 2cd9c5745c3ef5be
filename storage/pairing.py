"""Queries for programmes, pairing rules, rounds, pairs and check-in outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import Member, Programme, ProgrammeLead, ProgrammeMember
from storage.pairing_models import (
    CheckinOutcome,
    OrgProfile,
    Pair,
    PairDeparture,
    PairingRound,
    PairParticipant,
    PairRule,
    SitOut,
)

#: Pairs that took place: counted for repeats, quarter caps and ignored intros.
#: (``removed`` pairs were taken back by admins; ``closed`` ones lost a member.)
HAPPENED = ("active", "ended")
#: A pair whose round is still being stored: nobody sees it until the round is complete.
PENDING = "pending"
#: Rounds members may see: stored completely.
COMPLETE = PairingRound.completed_at.is_not(None)

# -- programmes -------------------------------------------------------------------


def programme_by_name(session: Session, team_id: str, name: str) -> Programme | None:
    return session.scalar(
        select(Programme).where(Programme.team_id == team_id, Programme.name == name)
    )


def programme(session: Session, programme_id: int) -> Programme | None:
    return session.get(Programme, programme_id)


def programmes(session: Session, team_id: str | None = None) -> Sequence[Programme]:
    stmt = select(Programme).order_by(Programme.team_id, Programme.name)
    if team_id is not None:
        stmt = stmt.where(Programme.team_id == team_id)
    return session.scalars(stmt).all()


def add_programme(session: Session, programme: Programme) -> Programme:
    session.add(programme)
    session.flush()
    return programme


def programme_members(
    session: Session, programme_id: int
) -> list[tuple[Member, OrgProfile | None]]:
    """Every member of the programme (any status) with their org data, if imported."""
    stmt = (
        select(Member, OrgProfile)
        .join(ProgrammeMember, ProgrammeMember.member_id == Member.id)
        .outerjoin(
            OrgProfile,
            (OrgProfile.team_id == Member.team_id) & (OrgProfile.user_id == Member.user_id),
        )
        .where(ProgrammeMember.programme_id == programme_id)
        .order_by(Member.user_id)
    )
    return [(m, o) for m, o in session.execute(stmt).all()]


def programme_leads(session: Session, programme_id: int) -> list[str]:
    stmt = select(ProgrammeLead.user_id).where(ProgrammeLead.programme_id == programme_id)
    return list(session.scalars(stmt).all())


def set_programme_lead(session: Session, programme_id: int, user_id: str, on: bool) -> bool:
    exists = session.get(ProgrammeLead, (programme_id, user_id)) is not None
    if on and not exists:
        session.add(ProgrammeLead(programme_id=programme_id, user_id=user_id))
    elif not on and exists:
        session.execute(
            delete(ProgrammeLead).where(
                ProgrammeLead.programme_id == programme_id, ProgrammeLead.user_id == user_id
            )
        )
    else:
        return False
    return True


# -- org data and rules -----------------------------------------------------------


def upsert_org_profile(
    session: Session, team_id: str, user_id: str, department: str | None, manager_id: str | None
) -> None:
    row = session.get(OrgProfile, (team_id, user_id))
    if row is None:
        session.add(
            OrgProfile(
                team_id=team_id, user_id=user_id, department=department, manager_id=manager_id
            )
        )
    else:
        row.department, row.manager_id = department, manager_id


def rules(session: Session, programme_id: int, kind: str | None = None) -> Sequence[PairRule]:
    stmt = select(PairRule).where(PairRule.programme_id == programme_id).order_by(PairRule.id)
    if kind is not None:
        stmt = stmt.where(PairRule.kind == kind)
    return session.scalars(stmt).all()


def rules_of(session: Session, programme_id: int, kind: str, owner: str) -> Sequence[PairRule]:
    stmt = select(PairRule).where(
        PairRule.programme_id == programme_id, PairRule.kind == kind, PairRule.owner == owner
    )
    return session.scalars(stmt.order_by(PairRule.id)).all()


def add_rule(
    session: Session, programme_id: int, kind: str, owner: str, other: str, by: str, now: datetime
) -> bool:
    """Add a rule; False if it already exists (either direction for symmetric kinds)."""
    a, b = (owner, other) if kind == "personal" else tuple(sorted((owner, other)))
    exists = session.scalar(
        select(PairRule.id).where(
            PairRule.programme_id == programme_id,
            PairRule.kind == kind,
            PairRule.owner == a,
            PairRule.other == b,
        )
    )
    if exists is not None:
        return False
    session.add(
        PairRule(
            programme_id=programme_id, kind=kind, owner=a, other=b, created_by=by, created_at=now
        )
    )
    session.flush()
    return True


def remove_rule(
    session: Session, programme_id: int, rule_id: int, owner: str | None = None
) -> bool:
    stmt = delete(PairRule).where(PairRule.programme_id == programme_id, PairRule.id == rule_id)
    if owner is not None:
        stmt = stmt.where(PairRule.owner == owner, PairRule.kind == "personal")
    return bool(rows_affected(session.execute(stmt)))


# -- rounds and pairs -------------------------------------------------------------


def round_for_period(session: Session, programme_id: int, period: str) -> PairingRound | None:
    return session.scalar(
        select(PairingRound).where(
            PairingRound.programme_id == programme_id, PairingRound.period == period
        )
    )


def add_round(session: Session, round_: PairingRound) -> PairingRound:
    """Insert a round; raises IntegrityError if the period already has one."""
    session.add(round_)
    session.flush()
    return round_


def round_for_update(session: Session, round_id: int) -> PairingRound | None:
    """The round, locked against a concurrent writer of its chunks (PostgreSQL)."""
    return session.get(PairingRound, round_id, with_for_update=True)


def recent_rounds(session: Session, programme_id: int, limit: int) -> Sequence[PairingRound]:
    """The programme's last ``limit`` complete rounds, newest first."""
    stmt = (
        select(PairingRound)
        .where(PairingRound.programme_id == programme_id, COMPLETE)
        .order_by(PairingRound.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def pairs_in_rounds(
    session: Session, round_ids: Sequence[int], statuses: Sequence[str] | None = None
) -> Sequence[Pair]:
    """Pairs of the given rounds (only those with one of ``statuses``, if given)."""
    if not round_ids:
        return []
    stmt = select(Pair).where(Pair.round_id.in_(round_ids)).order_by(Pair.id)
    if statuses is not None:
        stmt = stmt.where(Pair.status.in_(list(statuses)))
    return session.scalars(stmt).all()


def sat_out_in_round(session: Session, round_id: int) -> set[str]:
    return set(session.scalars(select(SitOut.user_id).where(SitOut.round_id == round_id)).all())


def pairs_since(
    session: Session, programme_id: int, since: datetime, statuses: Sequence[str] | None = None
) -> Sequence[Pair]:
    stmt = select(Pair).where(Pair.programme_id == programme_id, Pair.created_at >= since)
    if statuses is not None:
        stmt = stmt.where(Pair.status.in_(list(statuses)))
    return session.scalars(stmt).all()


def add_pair(
    session: Session,
    *,
    round_id: int,
    programme_id: int,
    kind: str,
    roles: dict[str, str],
    now: datetime,
) -> Pair:
    pair = Pair(
        round_id=round_id,
        programme_id=programme_id,
        kind=kind,
        status="active",
        created_at=now,
    )
    session.add(pair)
    session.flush()
    for user_id, role in roles.items():
        session.add(PairParticipant(pair_id=pair.id, user_id=user_id, role=role))
    session.flush()
    return pair


def add_sit_out(session: Session, round_id: int, user_id: str, code: str, reason: str) -> None:
    session.add(SitOut(round_id=round_id, user_id=user_id, reason_code=code, reason=reason[:255]))


def pair(session: Session, pair_id: int) -> Pair | None:
    """The pair, unless its round is still being stored (then nobody may see it)."""
    found = session.get(Pair, pair_id)
    return None if found is None or found.status == PENDING else found


def participants_of(session: Session, pair_ids: Sequence[int]) -> dict[int, list[PairParticipant]]:
    """Participants of many pairs at once, by pair id (user ids sorted)."""
    out: dict[int, list[PairParticipant]] = {pid: [] for pid in pair_ids}
    if not pair_ids:
        return out
    stmt = (
        select(PairParticipant)
        .where(PairParticipant.pair_id.in_(list(pair_ids)))
        .order_by(PairParticipant.pair_id, PairParticipant.user_id)
    )
    for row in session.scalars(stmt).all():
        out[row.pair_id].append(row)
    return out


def participants(session: Session, pair_id: int) -> Sequence[PairParticipant]:
    stmt = select(PairParticipant).where(PairParticipant.pair_id == pair_id)
    return session.scalars(stmt.order_by(PairParticipant.user_id)).all()


def participant(session: Session, pair_id: int, user_id: str) -> PairParticipant | None:
    return session.get(PairParticipant, (pair_id, user_id))


def latest_round_id(session: Session, programme_id: int) -> int | None:
    """The programme's current round: the latest stored completely."""
    return session.scalar(
        select(func.max(PairingRound.id)).where(PairingRound.programme_id == programme_id, COMPLETE)
    )


def current_pairs_of(
    session: Session, team_id: str, user_id: str, programme_id: int | None = None
) -> list[Pair]:
    """The person's active pairs in the latest round of each programme (or of one)."""
    latest = (
        select(func.max(PairingRound.id))
        .where(PairingRound.programme_id == Pair.programme_id, COMPLETE)
        .scalar_subquery()
    )
    stmt = (
        select(Pair)
        .join(PairParticipant, PairParticipant.pair_id == Pair.id)
        .join(Programme, Programme.id == Pair.programme_id)
        .where(
            PairParticipant.user_id == user_id,
            Programme.team_id == team_id,
            Pair.status == "active",
            Pair.round_id == latest,
        )
        .order_by(Pair.id)
    )
    if programme_id is not None:
        stmt = stmt.where(Pair.programme_id == programme_id)
    return list(session.scalars(stmt).all())


def remove_participant(session: Session, pair_id: int, user_id: str) -> None:
    session.execute(
        delete(PairParticipant).where(
            PairParticipant.pair_id == pair_id, PairParticipant.user_id == user_id
        )
    )


def add_departure(session: Session, pair_id: int, user_id: str, reason: str, at: datetime) -> None:
    """Remember that ``user_id`` is no longer in the pair, and why (replacing any earlier)."""
    row = session.get(PairDeparture, (pair_id, user_id))
    if row is None:
        session.add(PairDeparture(pair_id=pair_id, user_id=user_id, reason=reason, at=at))
    else:
        row.reason, row.at = reason, at
    session.flush()


def departure(session: Session, pair_id: int, user_id: str) -> PairDeparture | None:
    return session.get(PairDeparture, (pair_id, user_id))


def clear_departure(session: Session, pair_id: int, user_id: str) -> None:
    session.execute(
        delete(PairDeparture).where(
            PairDeparture.pair_id == pair_id, PairDeparture.user_id == user_id
        )
    )


def history_of(session: Session, team_id: str, user_id: str, limit: int = 20) -> list[Pair]:
    stmt = (
        select(Pair)
        .join(PairParticipant, PairParticipant.pair_id == Pair.id)
        .join(Programme, Programme.id == Pair.programme_id)
        .where(
            PairParticipant.user_id == user_id,
            Programme.team_id == team_id,
            Pair.status != PENDING,
        )
        .order_by(Pair.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).all())


def due_nudges(
    session: Session, cutoff_by_programme: dict[int, datetime]
) -> list[tuple[Pair, PairParticipant]]:
    """Participants of active pairs created before their programme's cutoff who have
    neither answered nor been nudged."""
    out: list[tuple[Pair, PairParticipant]] = []
    for programme_id, cutoff in cutoff_by_programme.items():
        stmt = (
            select(Pair, PairParticipant)
            .join(PairParticipant, PairParticipant.pair_id == Pair.id)
            .where(
                Pair.programme_id == programme_id,
                Pair.status == "active",
                Pair.created_at <= cutoff,
                PairParticipant.responded.is_(False),
                PairParticipant.nudged_at.is_(None),
            )
            .order_by(Pair.id)
        )
        out += [(p, pp) for p, pp in session.execute(stmt).all()]
    return out


def last_participations(
    session: Session, programme_id: int, user_id: str, n: int
) -> list[PairParticipant]:
    stmt = (
        select(PairParticipant)
        .join(Pair, Pair.id == PairParticipant.pair_id)
        .where(
            Pair.programme_id == programme_id,
            PairParticipant.user_id == user_id,
            Pair.status.in_(HAPPENED),
        )
        .order_by(Pair.id.desc())
        .limit(n)
    )
    return list(session.scalars(stmt).all())


# -- outcomes ---------------------------------------------------------------------


def record_outcome(
    session: Session,
    *,
    pair_id: int,
    programme_id: int,
    user_id: str,
    answer: str,
    week: str,
    usefulness: int | None = None,
    note: str | None = None,
) -> None:
    """Store (or replace) one person's answer for a pair and mark them as responded."""
    row = session.scalar(
        select(CheckinOutcome).where(
            CheckinOutcome.pair_id == pair_id, CheckinOutcome.user_id == user_id
        )
    )
    if row is None:
        row = CheckinOutcome(pair_id=pair_id, programme_id=programme_id, user_id=user_id)
        session.add(row)
    row.answer, row.week = answer, week
    if usefulness is not None:
        row.usefulness = usefulness
    if note is not None:
        row.note = note
    session.execute(
        update(PairParticipant)
        .where(PairParticipant.pair_id == pair_id, PairParticipant.user_id == user_id)
        .values(responded=True)
    )
    session.flush()


def outcome(session: Session, pair_id: int, user_id: str) -> CheckinOutcome | None:
    return session.scalar(
        select(CheckinOutcome).where(
            CheckinOutcome.pair_id == pair_id, CheckinOutcome.user_id == user_id
        )
    )


def outcome_cells(
    session: Session, programme_id: int, weeks: Sequence[str]
) -> list[tuple[str, str, int, int, int]]:
    """(week, answer, responses, ratings, sum of ratings) for the given ISO weeks."""
    stmt = (
        select(
            CheckinOutcome.week,
            CheckinOutcome.answer,
            func.count(),
            func.count(CheckinOutcome.usefulness),
            func.coalesce(func.sum(CheckinOutcome.usefulness), 0),
        )
        .where(CheckinOutcome.programme_id == programme_id, CheckinOutcome.week.in_(list(weeks)))
        .group_by(CheckinOutcome.week, CheckinOutcome.answer)
    )
    return [
        (w, a, int(c or 0), int(r or 0), int(s or 0))
        for w, a, c, r, s in session.execute(stmt).all()
    ]


def forget_user(session: Session, team_id: str, user_id: str) -> int:
    """Erase a person's pairing data; their outcomes stay, unlinked, for closed aggregates."""
    programme_ids = select(Programme.id).where(Programme.team_id == team_id)
    n = rows_affected(
        session.execute(
            update(CheckinOutcome)
            .where(
                CheckinOutcome.user_id == user_id, CheckinOutcome.programme_id.in_(programme_ids)
            )
            .values(user_id=None, note=None)
        )
    )
    n += rows_affected(
        session.execute(
            delete(PairRule).where(
                PairRule.programme_id.in_(programme_ids),
                or_(PairRule.owner == user_id, PairRule.other == user_id),
            )
        )
    )
    n += rows_affected(
        session.execute(
            delete(OrgProfile).where(OrgProfile.team_id == team_id, OrgProfile.user_id == user_id)
        )
    )
    team_pairs = select(Pair.id).where(Pair.programme_id.in_(programme_ids))
    n += rows_affected(
        session.execute(
            delete(PairDeparture).where(
                PairDeparture.user_id == user_id, PairDeparture.pair_id.in_(team_pairs)
            )
        )
    )
    n += rows_affected(
        session.execute(
            update(OrgProfile)
            .where(OrgProfile.team_id == team_id, OrgProfile.manager_id == user_id)
            .values(manager_id=None)
        )
    )
    for model in (PairRule, PairingRound):
        n += rows_affected(
            session.execute(
                update(model)
                .where(model.programme_id.in_(programme_ids), model.created_by == user_id)
                .values(created_by="forgotten")
            )
        )
    pair_ids = select(PairParticipant.pair_id).where(PairParticipant.user_id == user_id)
    n += rows_affected(
        session.execute(
            delete(PairParticipant).where(
                PairParticipant.user_id == user_id,
                PairParticipant.pair_id.in_(
                    select(Pair.id).where(
                        Pair.programme_id.in_(programme_ids), Pair.id.in_(pair_ids)
                    )
                ),
            )
        )
    )
    n += rows_affected(
        session.execute(
            delete(SitOut).where(
                SitOut.user_id == user_id,
                SitOut.round_id.in_(
                    select(PairingRound.id).where(PairingRound.programme_id.in_(programme_ids))
                ),
            )
        )
    )
    return n


def replace_participant(
    session: Session, pair_id: int, leaving: str, joining: str, role: str
) -> None:
    session.execute(
        delete(PairParticipant).where(
            PairParticipant.pair_id == pair_id, PairParticipant.user_id == leaving
        )
    )
    session.add(PairParticipant(pair_id=pair_id, user_id=joining, role=role))
    session.flush()


def enrolled_programme_ids(session: Session, member_id: int) -> set[int]:
    stmt = select(ProgrammeMember.programme_id).where(ProgrammeMember.member_id == member_id)
    return set(session.scalars(stmt).all())


def unenrol(session: Session, programme_id: int, member_id: int) -> bool:
    stmt = delete(ProgrammeMember).where(
        ProgrammeMember.programme_id == programme_id, ProgrammeMember.member_id == member_id
    )
    return bool(rows_affected(session.execute(stmt)))
