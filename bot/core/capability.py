"""What core itself contributes: help, the admin dispatcher, roles, forgetting, and
the housekeeping task."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core import commands, forget, roles, scheduler
from bot.core.registry import Button, Capability, Command, Forgetter, Task
from storage import members as members_store
from storage import outbox as outbox_store


def _forget_core(session: Session, team_id: str, user_id: str) -> int:
    """Roles held and every message still waiting for the person."""
    return outbox_store.delete_all_for(session, team_id, user_id) + members_store.revoke_all_roles(
        session, team_id, user_id
    )


CAPABILITY = Capability(
    name="core",
    title="Help and your data",
    commands=(
        Command("help", "/ally help", "this list", commands.help_command, changes=False),
        Command(
            "forget",
            "/ally forget",
            "delete all your personal data (asks to confirm)",
            forget.forget_command,
        ),
        Command(
            "admin",
            "/ally admin <action>",
            "admin tools (admins only): `/ally admin help`",
            commands.admin_command,
        ),
    ),
    admin_actions=roles.ADMIN_ACTIONS,
    buttons=(Button("forget_confirm", forget.forget_button, replaces=True),),
    tasks=(Task("prune-events", scheduler.prune_events),),
    forgetters=(Forgetter("core", _forget_core),),
)
