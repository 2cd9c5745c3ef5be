"""Admin and lead actions: one registry, one entry point, one audit trail.

Every privileged action, whether it comes from ``/ally admin ...``, a button, a
modal or the CLI, runs through :func:`perform`, which checks the permission
(:mod:`bot.authz`), runs the action in one transaction and audits the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core import authz
from bot.core.authz import Permission
from bot.core.services import Actor, Services
from bot.core.text import mention, parse_user_ref
from storage import members as store


class AdminInputError(Exception):
    """The arguments were wrong; nothing changed. The message is for the person."""


ActionFn = Callable[[Services, Session, Actor, Sequence[str]], str]
#: An action that manages its own transactions (it calls domain functions that do).
StandaloneFn = Callable[[Services, Actor, Sequence[str]], str]


@dataclass(frozen=True)
class AdminAction:
    name: str
    permission: Permission
    usage: str
    summary: str
    run: ActionFn | None = None
    standalone: StandaloneFn | None = None


REGISTRY: dict[str, AdminAction] = {}


def admin_action(
    name: str, permission: Permission, usage: str, summary: str
) -> Callable[[ActionFn], ActionFn]:
    """Register ``fn`` as the admin action ``name`` (reached only via :func:`perform`)."""

    def register(fn: ActionFn) -> ActionFn:
        _add(AdminAction(name, permission, usage, summary, run=fn))
        return fn

    return register


def standalone_action(
    name: str, permission: Permission, usage: str, summary: str
) -> Callable[[StandaloneFn], StandaloneFn]:
    """Register an admin action that opens its own transactions (e.g. running a round)."""

    def register(fn: StandaloneFn) -> StandaloneFn:
        _add(AdminAction(name, permission, usage, summary, standalone=fn))
        return fn

    return register


def _add(action: AdminAction) -> None:
    if action.name in REGISTRY:
        raise ValueError(f"admin action {action.name!r} registered twice")
    REGISTRY[action.name] = action


def perform(services: Services, actor: Actor, name: str, args: Sequence[str]) -> str:
    """Authorize, run and audit one admin action; returns the reply text (mrkdwn).

    Raises :class:`authz.Denied`, :class:`AdminInputError` or ``KeyError`` for an
    unknown action. On any failure nothing but the audit entry is written.
    """
    action = REGISTRY[name]
    target = " ".join(args)[:255] or None
    authz.check(services, actor, action.permission, f"admin.{name}", target)
    try:
        if action.standalone is not None:
            reply = action.standalone(services, actor, args)
            _audit(services, actor, name, target, "ok")
            return reply
        assert action.run is not None
        with services.db.transaction() as session:
            reply = action.run(services, session, actor, args)
            store.audit(
                session,
                team_id=actor.team_id,
                actor=actor.user_id,
                action=f"admin.{name}",
                target=target,
                outcome="ok",
                now=services.clock.now(),
            )
            return reply
    except AdminInputError as exc:
        _audit(services, actor, name, target, "invalid", str(exc))
        raise


def _audit(
    services: Services,
    actor: Actor,
    name: str,
    target: str | None,
    outcome: str,
    detail: str | None = None,
) -> None:
    with services.db.transaction() as session:
        store.audit(
            session,
            team_id=actor.team_id,
            actor=actor.user_id,
            action=f"admin.{name}",
            target=target,
            outcome=outcome,
            now=services.clock.now(),
            detail=detail,
        )


def _one_user(args: Sequence[str], usage: str) -> str:
    if len(args) != 1 or (user := parse_user_ref(args[0])) is None:
        raise AdminInputError(f"Usage: `{usage}` (mention the person, e.g. @Sam).")
    return user


def _grant(role: str, usage: str) -> ActionFn:
    def run(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
        user = _one_user(args, usage)
        store.ensure_workspace(session, actor.team_id, services.clock.now())
        if not store.grant_role(
            session, actor.team_id, user, role, actor.user_id, services.clock.now()
        ):
            return f"{mention(user)} is already a programme {role}."
        return f"{mention(user)} is now a programme {role}."

    return run


def _revoke(role: str, usage: str) -> ActionFn:
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

    return run


for _role in (Permission.LEAD, Permission.ADMIN):
    admin_action(
        f"add-{_role}",
        Permission.ADMIN,
        f"/ally admin add-{_role} @person",
        f"make someone a programme {_role}",
    )(_grant(_role, f"/ally admin add-{_role} @person"))
    admin_action(
        f"remove-{_role}",
        Permission.ADMIN,
        f"/ally admin remove-{_role} @person",
        f"remove someone's {_role} role",
    )(_revoke(_role, f"/ally admin remove-{_role} @person"))


@admin_action("list", Permission.ADMIN, "/ally admin list", "list leads and admins")
def _list(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    grants = store.list_grants(session, actor.team_id)
    lines = [f"• {mention(g.user_id)}: {g.role}" for g in grants]
    lines += [
        f"• {mention(u)}: admin (from ALLYBOT_ADMINS)" for u in sorted(services.settings.admins)
    ]
    return "*Programme leads and admins*\n" + ("\n".join(lines) if lines else "Nobody yet.")
