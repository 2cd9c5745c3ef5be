"""Queries about workspaces, members, role grants and the audit log."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import rows_affected
from storage.models import (
    AuditEntry,
    Member,
    ProcessedEvent,
    Programme,
    ProgrammeLead,
    ProgrammeMember,
    RoleGrant,
    Workspace,
)

DEFAULT_PROGRAMME = "default"


def ensure_workspace(session: Session, team_id: str, now: datetime) -> None:
    """Create the workspace and its default programme if new.

    Safe under concurrent first requests (insert-or-ignore on both rows). The
    usual case, both there already, is one read and no write, so a request that
    only looks writes nothing (and leaves no replay key, see ``storage.db``).
    """
    found = session.scalar(
        select(Programme.id).where(
            Programme.team_id == team_id, Programme.name == DEFAULT_PROGRAMME
        )
    )
    if found is not None:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Workspace).values(team_id=team_id, created_at=now)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["team_id"]))
    stmt = insert(Programme).values(team_id=team_id, name=DEFAULT_PROGRAMME, created_at=now)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["team_id", "name"]))


def workspace_ids(session: Session) -> list[str]:
    """Every workspace this database serves, by team id."""
    return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def default_programme_id(session: Session, team_id: str) -> int:
    programme_id = session.scalar(
        select(Programme.id).where(
            Programme.team_id == team_id, Programme.name == DEFAULT_PROGRAMME
        )
    )
    if programme_id is None:
        raise LookupError(f"workspace {team_id} has no default programme")
    return programme_id


def enrol(session: Session, programme_id: int, member_id: int, now: datetime) -> bool:
    """Put a member in a programme; False if already there."""
    if session.get(ProgrammeMember, (programme_id, member_id)) is not None:
        return False
    session.add(ProgrammeMember(programme_id=programme_id, member_id=member_id, added_at=now))
    session.flush()
    return True


def get_member(session: Session, team_id: str, user_id: str) -> Member | None:
    return session.scalar(
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
    )


def get_member_for_update(session: Session, team_id: str, user_id: str) -> Member | None:
    """The member row, locked on PostgreSQL so concurrent changes serialise."""
    stmt = select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
    return session.scalar(stmt.with_for_update())


def add_member(session: Session, member: Member) -> Member:
    session.add(member)
    session.flush()
    return member


def members_due_resume(session: Session, now: datetime) -> Sequence[Member]:
    stmt = select(Member).where(
        Member.status == "paused", Member.paused_until.is_not(None), Member.paused_until <= now
    )
    return session.scalars(stmt).all()


def count_members(session: Session, team_id: str) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Member.role, Member.status).where(Member.team_id == team_id)
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for role, status in rows:
        counts[(role, status)] = counts.get((role, status), 0) + 1
    return counts


def roles_of(session: Session, team_id: str, user_id: str) -> set[str]:
    stmt = select(RoleGrant.role).where(RoleGrant.team_id == team_id, RoleGrant.user_id == user_id)
    return set(session.scalars(stmt).all())


def grant_role(
    session: Session, team_id: str, user_id: str, role: str, by: str, now: datetime
) -> bool:
    """Grant a role; False when the user already had it."""
    if role in roles_of(session, team_id, user_id):
        return False
    session.add(
        RoleGrant(team_id=team_id, user_id=user_id, role=role, granted_by=by, granted_at=now)
    )
    session.flush()
    return True


def revoke_role(session: Session, team_id: str, user_id: str, role: str) -> bool:
    stmt = delete(RoleGrant).where(
        RoleGrant.team_id == team_id, RoleGrant.user_id == user_id, RoleGrant.role == role
    )
    return bool(rows_affected(session.execute(stmt)))


def list_grants(session: Session, team_id: str) -> Sequence[RoleGrant]:
    stmt = (
        select(RoleGrant)
        .where(RoleGrant.team_id == team_id)
        .order_by(RoleGrant.role, RoleGrant.user_id)
    )
    return session.scalars(stmt).all()


def count_grants(session: Session, team_id: str, role: str) -> int:
    stmt = (
        select(func.count())
        .select_from(RoleGrant)
        .where(RoleGrant.team_id == team_id, RoleGrant.role == role)
    )
    return session.scalar(stmt) or 0


def audit(
    session: Session,
    *,
    team_id: str,
    actor: str,
    action: str,
    outcome: str,
    now: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            team_id=_fit(team_id, 32) or "",
            actor=_fit(actor, 64) or "",
            action=_fit(action, 64) or "",
            target=_fit(target, 255),
            outcome=outcome,
            detail=_fit(detail, 1000),
        )
    )


#: NUL (which PostgreSQL refuses in text) and the other C0 controls but tab and newline.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff]")


def _fit(value: str | None, limit: int) -> str | None:
    """Make an audit field storable on every backend, so a refusal is never unrecorded.

    An audit row must survive whatever the refused request carried: characters a
    column cannot hold are dropped and the text is cut to the column's length.
    """
    if value is None:
        return None
    return _UNSTORABLE.sub("", value[: limit * 2])[:limit] or None


def delete_member(session: Session, member: Member) -> int:
    session.delete(member)
    session.flush()
    return 1


def revoke_all_roles(session: Session, team_id: str, user_id: str) -> int:
    stmt = delete(RoleGrant).where(RoleGrant.team_id == team_id, RoleGrant.user_id == user_id)
    return rows_affected(session.execute(stmt))


def feedback_readers(session: Session, team_id: str, programme_id: int) -> set[str]:
    """Everyone the database says can read a programme's feedback figures or texts:
    workspace leads and admins (summaries, export) and the programme's leads (digest).
    Admins from the environment are added by the caller."""
    granted = set(session.scalars(select(RoleGrant.user_id).where(RoleGrant.team_id == team_id)))
    leads = session.scalars(
        select(ProgrammeLead.user_id).where(ProgrammeLead.programme_id == programme_id)
    )
    return granted | set(leads)


FORGOTTEN = "forgotten"


def pseudonymise_audit(session: Session, team_id: str, user_id: str, pseudonym: str) -> int:
    """Replace a forgotten person in the audit log by a random pseudonym.

    The trail still shows that one person did these things (and when), never who.
    ``user_id`` is a validated Slack id, so it holds no LIKE wildcards.
    """
    stmt = select(AuditEntry).where(
        AuditEntry.team_id == team_id,
        or_(
            AuditEntry.actor == user_id,
            AuditEntry.target.contains(user_id, autoescape=True),
            AuditEntry.detail.contains(user_id, autoescape=True),
        ),
    )
    n = 0
    for entry in session.scalars(stmt):
        entry.actor = entry.actor.replace(user_id, pseudonym)
        entry.target = entry.target.replace(user_id, pseudonym) if entry.target else None
        entry.detail = entry.detail.replace(user_id, pseudonym) if entry.detail else None
        n += 1
    n += rows_affected(
        session.execute(
            update(RoleGrant)
            .where(RoleGrant.team_id == team_id, RoleGrant.granted_by == user_id)
            .values(granted_by=FORGOTTEN)
        )
    )
    return n


def forget_processed_keys(session: Session, user_id: str) -> int:
    """Idempotency keys that name the person (Home clicks carry the user id)."""
    return rows_affected(
        session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.key.contains(user_id, autoescape=True))
        )
    )


def forget_programme_leads(session: Session, team_id: str, user_id: str) -> int:
    programme_ids = select(Programme.id).where(Programme.team_id == team_id)
    return rows_affected(
        session.execute(
            delete(ProgrammeLead).where(
                ProgrammeLead.programme_id.in_(programme_ids), ProgrammeLead.user_id == user_id
            )
        )
    )
