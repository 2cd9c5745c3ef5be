"""``allybot admin grant|revoke|list``: roles from the command line, to bootstrap.

The first admin cannot be made in Slack (only admins grant roles), so whoever runs
the bot makes one here, or lists them in ``ALLYBOT_ADMINS``. Every change is
audited under the actor ``cli``, in the same transaction as the change.
"""

from __future__ import annotations

import argparse

from bot.core import operator, roles
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.registry import CliVerb
from bot.core.services import Services
from bot.core.text import parse_user_ref
from storage import members as store

NEEDS_ID = (
    "Give the person's Slack member id, like U012AB3CD: they see it with `/ally status`, "
    "or open their profile, ⋮ → Copy member ID."
)


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["grant", "revoke", "list"])
    p.add_argument("user", nargs="?", help="Slack member id (U…), also as @U… or <@U…>")
    p.add_argument("role", nargs="?", choices=[r.value for r in Permission])
    p.add_argument("--team", help="Slack team id (needed when several workspaces share it)")


def _run(services: Services, args: argparse.Namespace) -> int:
    team = operator.resolve_team(services, args.team)
    if args.action == "list":
        with services.db.read() as session:
            lines = [f"{g.user_id} {g.role}" for g in store.list_grants(session, team)]
        lines += [f"{u} admin (ALLYBOT_ADMINS)" for u in sorted(services.settings.admins)]
        print("\n".join(lines) if lines else "Nobody holds a role yet.")
        return 0
    user = parse_user_ref(args.user or "")
    if user is None:
        raise AdminInputError(NEEDS_ID)
    if args.role is None:
        raise AdminInputError(f"Say which role: `allybot admin {args.action} {user} admin|lead`.")
    role = Permission(args.role)
    action, target = f"cli.admin.{args.action}", f"{user} {role}"
    try:
        with services.db.transaction() as session:
            if args.action == "grant":
                changed = roles.grant(services, session, team, user, role, operator.ACTOR)
                reply = f"{user} is {'now' if changed else 'already'} a programme {role}."
            else:
                changed = roles.revoke(services, session, team, user, role)
                reply = f"{user} {'is no longer' if changed else 'was not'} a programme {role}."
            store.audit(
                session,
                team_id=team,
                actor=operator.ACTOR,
                action=action,
                target=target,
                outcome="ok",
                now=services.clock.now(),
            )
    except AdminInputError as exc:
        operator.audit(services, team, action, target, outcome="invalid", detail=str(exc))
        raise
    print(reply)
    return 0


VERB = CliVerb("admin", "grant or revoke the admin and lead roles, or list them", _configure, _run)
