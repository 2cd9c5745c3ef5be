"""Helpers for CLI verbs: the command line acts as the trusted operator.

Whoever runs ``allybot`` holds the database, so CLI verbs skip Slack roles; each
change is still written to the audit log under the actor ``cli``.
"""

from __future__ import annotations

from bot.core.admin import AdminInputError
from bot.core.services import Services
from bot.core.text import plural
from storage import members as members_store

ACTOR = "cli"


def resolve_team(services: Services, team: str | None) -> str:
    """The workspace a verb acts on: ``--team``, or the only one in the database.

    ``allybot serve`` records its workspace when it starts, so after a first start
    a single-workspace install never needs ``--team``.
    """
    if team:
        return team
    with services.db.read() as session:
        teams = members_store.workspace_ids(session)
    if not teams:
        raise AdminInputError(
            "No workspace yet: start the bot once (`allybot serve` records its workspace) "
            "or pass its team id with --team."
        )
    if len(teams) > 1:
        raise AdminInputError(
            f"This database holds {plural(len(teams), 'workspace')} ({', '.join(teams)}): "
            "say which with --team."
        )
    return teams[0]


def audit(
    services: Services,
    team: str,
    action: str,
    target: str,
    *,
    outcome: str = "ok",
    detail: str | None = None,
) -> None:
    """Record a CLI change (or a refused one) in the audit log."""
    with services.db.transaction() as session:
        members_store.audit(
            session,
            team_id=team,
            actor=ACTOR,
            action=action,
            target=target[:255],
            outcome=outcome,
            now=services.clock.now(),
            detail=detail,
        )
