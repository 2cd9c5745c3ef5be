"""The audited admin path: one entry point, one audit trail.

Every privileged action, whether it comes from ``/ally admin ...``, a button, a
modal or the CLI, runs through :func:`perform`, which checks the permission
(:mod:`bot.core.authz`), runs the action in one transaction and audits the
outcome. The actions themselves are contributed by capabilities
(:class:`~bot.core.registry.AdminAction`) and looked up in the registry.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import authz
from bot.core.blocks import Reply
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from storage import members as store


class AdminInputError(UserError):
    """The arguments were wrong; nothing changed. The message is for the person."""


def perform(services: Services, actor: Actor, name: str, args: Sequence[str]) -> str | Reply:
    """Authorize, run and audit one admin action; returns the reply (mrkdwn or blocks).

    Raises :class:`authz.Denied`, :class:`AdminInputError` or ``KeyError`` for an
    unknown action. On any failure nothing but the audit entry is written.
    """
    action = services.registry.admin_actions[name]
    target = " ".join(args)[:255] or None
    authz.check(services, actor, action.permission, f"admin.{name}", target)
    try:
        if action.prepare is not None:
            action.prepare(services, actor, args)
        if action.standalone is not None:
            reply = action.standalone(services, actor, args)
            _audit(services, actor, name, target, "ok")
            return reply
        if action.run is None:
            raise ValueError(f"admin action {name!r} has nothing to run")
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
    except UserError as exc:
        # Bad arguments, or a person Slack does not know: refused, audited, unchanged.
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
