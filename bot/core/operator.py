"""Helpers for CLI verbs: the command line acts as the trusted operator.

Whoever runs ``allybot`` holds the database, so CLI verbs skip Slack roles; each
change is still written to the audit log under the actor ``cli``.
"""

from __future__ import annotations

from bot.core.admin import AdminInputError
from bot.core.services import Services
from storage import members as members_store
from storage import pairing as pairing_store

ACTOR = "cli"


def resolve_team(services: Services, team: str | None) -> str:
    """The workspace a verb acts on: ``--team``, or the only one in the database."""
    if team:
        return team
    with services.db.read() as session:
        teams = sorted({p.team_id for p in pairing_store.programmes(session)})
    if len(teams) != 1:
        raise AdminInputError(
            "Say which workspace with --team (found: " + (", ".join(teams) or "none yet") + ")."
        )
    return teams[0]


def audit(services: Services, team: str, action: str, target: str) -> None:
    """Record a CLI change in the audit log."""
    with services.db.transaction() as session:
        members_store.audit(
            session,
            team_id=team,
            actor=ACTOR,
            action=action,
            target=target[:255],
            outcome="ok",
            now=services.clock.now(),
        )
