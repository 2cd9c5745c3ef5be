"""Granting and revoking the lead and admin roles (admins only, audited).

Roles live in the database (plus ``ALLYBOT_ADMINS``) and are read by
:mod:`bot.core.authz`; these actions are reached only through
:func:`bot.core.admin.perform`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.registry import AdminAction
from bot.core.services import Actor, Services
from bot.core.text import mention, parse_user_ref
from storage import members as store


def _one_user(args: Sequence[str], usage: str) -> str:
    if len(args) != 1 or (user := parse_user_ref(args[0])) is None:
        raise AdminInputError(f"Usage: `{usage}` (mention the person, e.g. @Sam).")
    return user


def _usage(verb: str, role: Permission) -> str:
    return f"/ally admin {verb}-{role} @person"


def grant(
    services: Services, session: Session, team_id: str, user: str, role: str, by: str
) -> bool:
    """Give ``user`` the role (False if they had it); by an admin or the CLI (``by``)."""
    now = services.clock.now()
    store.ensure_workspace(session, team_id, now)
    return store.grant_role(session, team_id, user, role, by, now)


def revoke(services: Services, session: Session, team_id: str, user: str, role: str) -> bool:
    """Take the role away (False if they didn't hold it), never the last admin's.

    Raises :class:`AdminInputError` when it would leave the workspace with no admin
    at all (``ALLYBOT_ADMINS`` empty and nobody else granted admin).
    """
    if (
        role == Permission.ADMIN
        and not services.settings.admins
        and store.count_grants(session, team_id, role) == 1
        and role in store.roles_of(session, team_id, user)
    ):
        raise AdminInputError("That would leave the programme with no admin at all.")
    return store.revoke_role(session, team_id, user, role)


def has_admin(services: Services, session: Session, team_id: str) -> bool:
    """Whether anyone can administer this workspace (a grant or ``ALLYBOT_ADMINS``)."""
    return bool(services.settings.admins) or store.count_grants(session, team_id, "admin") > 0


def _grant(role: Permission) -> AdminAction:
    usage = _usage("add", role)

    def run(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
        user = _one_user(args, usage)
        if not grant(services, session, actor.team_id, user, role, actor.user_id):
            return f"{mention(user)} is already a programme {role}."
        return f"{mention(user)} is now a programme {role}."

    def prepare(services: Services, actor: Actor, args: Sequence[str]) -> None:
        services.require_real_user(actor.team_id, _one_user(args, usage))

    return AdminAction(
        f"add-{role}",
        Permission.ADMIN,
        usage,
        f"make someone a programme {role}",
        run=run,
        prepare=prepare,
    )


def _revoke(role: Permission) -> AdminAction:
    usage = _usage("remove", role)

    def run(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
        user = _one_user(args, usage)
        if not revoke(services, session, actor.team_id, user, role):
            return f"{mention(user)} wasn't a programme {role}."
        return f"{mention(user)} is no longer a programme {role}."

    return AdminAction(
        f"remove-{role}", Permission.ADMIN, usage, f"remove someone's {role} role", run=run
    )


def _list(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    grants = store.list_grants(session, actor.team_id)
    lines = [f"• {mention(g.user_id)}: {g.role}" for g in grants]
    lines += [
        f"• {mention(u)}: admin (from ALLYBOT_ADMINS)" for u in sorted(services.settings.admins)
    ]
    return "*Programme leads and admins*\n" + ("\n".join(lines) if lines else "Nobody yet.")


ADMIN_ACTIONS = (
    _grant(Permission.LEAD),
    _revoke(Permission.LEAD),
    _grant(Permission.ADMIN),
    _revoke(Permission.ADMIN),
    AdminAction("list", Permission.ADMIN, "/ally admin list", "list leads and admins", run=_list),
)
