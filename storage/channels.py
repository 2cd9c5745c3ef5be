"""Queries for channel-linked programmes, their invitations, and paged Slack sweeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.lifecycle_models import ChannelInvitation, ProgrammeChannel, SlackSweep
from storage.models import Programme

# -- links ------------------------------------------------------------------------------------


def link(session: Session, programme_id: int) -> ProgrammeChannel | None:
    return session.get(ProgrammeChannel, programme_id)


def link_or_new(session: Session, programme: Programme) -> ProgrammeChannel:
    """The programme's Slack settings row, created (unlinked, no guests) if missing."""
    row = session.get(ProgrammeChannel, programme.id)
    if row is None:
        row = ProgrammeChannel(programme_id=programme.id, team_id=programme.team_id, guests=False)
        session.add(row)
        session.flush()
    return row


def link_for_channel(session: Session, team_id: str, channel_id: str) -> ProgrammeChannel | None:
    return session.scalar(
        select(ProgrammeChannel).where(
            ProgrammeChannel.team_id == team_id, ProgrammeChannel.channel_id == channel_id
        )
    )


def guests_allowed(session: Session, programme_id: int) -> bool:
    row = session.get(ProgrammeChannel, programme_id)
    return bool(row and row.guests)


def programme_name(session: Session, programme_id: int) -> str:
    return session.scalar(select(Programme.name).where(Programme.id == programme_id)) or "?"


# -- invitations ------------------------------------------------------------------------------


def invitation(session: Session, programme_id: int, user_id: str) -> ChannelInvitation | None:
    return session.scalar(
        select(ChannelInvitation).where(
            ChannelInvitation.programme_id == programme_id, ChannelInvitation.user_id == user_id
        )
    )


def invitation_by_id(session: Session, invitation_id: int) -> ChannelInvitation | None:
    return session.get(ChannelInvitation, invitation_id)


def add_invitation(
    session: Session, programme: ProgrammeChannel, user_id: str, status: str, now: datetime
) -> ChannelInvitation:
    row = ChannelInvitation(
        programme_id=programme.programme_id,
        team_id=programme.team_id,
        user_id=user_id,
        status=status,
        checked=False,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def invitations(
    session: Session, programme_id: int, status: str, user_ids: Sequence[str] | None = None
) -> list[ChannelInvitation]:
    stmt = select(ChannelInvitation).where(
        ChannelInvitation.programme_id == programme_id, ChannelInvitation.status == status
    )
    if user_ids is not None:
        if not user_ids:
            return []
        stmt = stmt.where(ChannelInvitation.user_id.in_(list(user_ids)))
    return list(session.scalars(stmt.order_by(ChannelInvitation.id)).all())


def held(session: Session, limit: int) -> list[ChannelInvitation]:
    """Joins waiting for their account to be checked, oldest first."""
    stmt = (
        select(ChannelInvitation)
        .where(ChannelInvitation.status == "checking")
        .order_by(ChannelInvitation.id)
        .limit(limit)
    )
    return list(session.scalars(stmt).all())


def count_invitations(session: Session, programme_id: int, status: str) -> int:
    stmt = (
        select(func.count())
        .select_from(ChannelInvitation)
        .where(ChannelInvitation.programme_id == programme_id, ChannelInvitation.status == status)
    )
    return session.scalar(stmt) or 0


def existing_invitees(session: Session, programme_id: int, user_ids: Sequence[str]) -> set[str]:
    """Which of ``user_ids`` already have an invitation row for the programme."""
    if not user_ids:
        return set()
    stmt = select(ChannelInvitation.user_id).where(
        ChannelInvitation.programme_id == programme_id,
        ChannelInvitation.user_id.in_(list(user_ids)),
    )
    return set(session.scalars(stmt).all())


def drop_proposed(session: Session, programme_id: int, only_unchecked: bool = False) -> int:
    stmt = delete(ChannelInvitation).where(
        ChannelInvitation.programme_id == programme_id, ChannelInvitation.status == "proposed"
    )
    if only_unchecked:
        stmt = stmt.where(ChannelInvitation.checked.is_(False))
    return rows_affected(session.execute(stmt))


def withdraw_pending(session: Session, programme_id: int, now: datetime) -> int:
    """Close the programme's unanswered invitations (its link changed)."""
    stmt = (
        update(ChannelInvitation)
        .where(
            ChannelInvitation.programme_id == programme_id, ChannelInvitation.status == "pending"
        )
        .values(status="withdrawn", answered_at=now)
    )
    return rows_affected(session.execute(stmt))


def withdraw_all_for_user(session: Session, team_id: str, user_id: str, now: datetime) -> int:
    stmt = (
        update(ChannelInvitation)
        .where(
            ChannelInvitation.team_id == team_id,
            ChannelInvitation.user_id == user_id,
            ChannelInvitation.status.in_(("pending", "proposed", "checking")),
        )
        .values(status="withdrawn", answered_at=now)
    )
    return rows_affected(session.execute(stmt))


def forget_user(session: Session, team_id: str, user_id: str) -> int:
    """Invitations go; the person's id is cleared from links and sweeps they started."""
    n = rows_affected(
        session.execute(
            delete(ChannelInvitation).where(
                ChannelInvitation.team_id == team_id, ChannelInvitation.user_id == user_id
            )
        )
    )
    n += rows_affected(
        session.execute(
            update(ProgrammeChannel)
            .where(ProgrammeChannel.team_id == team_id, ProgrammeChannel.linked_by == user_id)
            .values(linked_by=None)
        )
    )
    n += rows_affected(
        session.execute(
            update(SlackSweep)
            .where(SlackSweep.team_id == team_id, SlackSweep.requested_by == user_id)
            .values(requested_by=None)
        )
    )
    return n


# -- sweeps -----------------------------------------------------------------------------------

ACTIVE_STAGES = ("members", "users")


def start_sweep(
    session: Session,
    *,
    team_id: str,
    kind: str,
    stage: str,
    now: datetime,
    programme_id: int | None = None,
    channel_id: str | None = None,
    requested_by: str | None = None,
) -> SlackSweep:
    row = SlackSweep(
        team_id=team_id,
        kind=kind,
        stage=stage,
        programme_id=programme_id,
        channel_id=channel_id,
        cursor=None,
        next_call_at=now,
        pages=0,
        requested_by=requested_by,
        started_at=now,
        detail={},
    )
    session.add(row)
    session.flush()
    return row


def sweep(session: Session, sweep_id: int) -> SlackSweep | None:
    return session.get(SlackSweep, sweep_id)


def due_sweeps(session: Session, kind: str, now: datetime) -> list[SlackSweep]:
    stmt = (
        select(SlackSweep)
        .where(
            SlackSweep.kind == kind,
            SlackSweep.stage.in_(ACTIVE_STAGES),
            SlackSweep.next_call_at <= now,
        )
        .order_by(SlackSweep.next_call_at, SlackSweep.id)
    )
    return list(session.scalars(stmt).all())


def latest_sweep(
    session: Session, team_id: str, kind: str, programme_id: int | None = None
) -> SlackSweep | None:
    stmt = select(SlackSweep).where(SlackSweep.team_id == team_id, SlackSweep.kind == kind)
    if programme_id is not None:
        stmt = stmt.where(SlackSweep.programme_id == programme_id)
    return session.scalar(stmt.order_by(SlackSweep.id.desc()).limit(1))


def cancel_sweeps(session: Session, programme_id: int, now: datetime) -> int:
    stmt = (
        update(SlackSweep)
        .where(SlackSweep.programme_id == programme_id, SlackSweep.stage.in_(ACTIVE_STAGES))
        .values(stage="cancelled", finished_at=now)
    )
    return rows_affected(session.execute(stmt))


def prune_sweeps(session: Session, before: datetime) -> int:
    """Finished sweeps older than ``before`` go (the daily one leaves one row a day)."""
    stmt = delete(SlackSweep).where(
        SlackSweep.stage.not_in(ACTIVE_STAGES), SlackSweep.started_at < before
    )
    return rows_affected(session.execute(stmt))
