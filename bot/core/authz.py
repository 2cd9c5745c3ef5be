"""Authorization: the single filter every privileged action passes through.

Roles come from the database (and ``ALLYBOT_ADMINS``), never from anything in a
Slack payload. Admins can do everything leads can.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.services import Actor, Services
from storage import members as store


class Permission(StrEnum):
    LEAD = "lead"
    ADMIN = "admin"


class Denied(UserError):
    """The actor lacks the permission; the attempt has been audited.

    The message is the refusal the person sees; callers that need a more specific
    one (a summary, a reply) pass ``refusal`` to :func:`check`.
    """

    def __init__(self, permission: Permission, refusal: str | None = None) -> None:
        super().__init__(
            refusal
            or f"Sorry, only programme {permission}s can do that. Nothing was changed; "
            "an admin can give you access."
        )
        self.permission = permission


def roles(services: Services, session: Session, actor: Actor) -> set[str]:
    granted = store.roles_of(session, actor.team_id, actor.user_id)
    if actor.user_id in services.settings.admins:
        granted.add(Permission.ADMIN)
    return granted


def allowed(services: Services, session: Session, actor: Actor, permission: Permission) -> bool:
    held = roles(services, session, actor)
    return Permission.ADMIN in held or permission in held


def check(
    services: Services,
    actor: Actor,
    permission: Permission,
    action: str,
    target: str | None = None,
    *,
    refusal: str | None = None,
) -> None:
    """Raise :class:`Denied` (after writing the audit entry) unless ``actor`` may act."""
    with services.db.transaction() as session:
        if allowed(services, session, actor, permission):
            return
        store.audit(
            session,
            team_id=actor.team_id,
            actor=actor.user_id,
            action=action,
            target=target,
            outcome="denied",
            now=services.clock.now(),
            detail=f"requires {permission}",
        )
    raise Denied(permission, refusal)
