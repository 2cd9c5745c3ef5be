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


def _grant(role: Permission) -> AdminAction:
    usage = _usage("add", role)

    def run(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
        user = _one_user(args, usage)
        now = services.clock.now()
        store.ensure_workspace(session, actor.team_id, now)
        if not store.grant_role(session, actor.team_id, user, role, actor.user_id, now):
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
        if (
            role == Permission.ADMIN
            and not services.settings.admins
            and store.count_grants(session, actor.team_id, role) == 1
            and role in store.roles_of(session, actor.team_id, user)
        ):
            raise AdminInputError("That would leave the programme with no admin at all.")
        if not store.revoke_role(session, actor.team_id, user, role):
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
