"""What core itself contributes: help, the admin dispatcher, roles (also ``allybot
admin``), forgetting, the housekeeping task, and the Home's "no admin yet" note."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from bot.core import admin_cli, commands, forget, roles, scheduler, setup_home
from bot.core.registry import Button, Capability, Command, Forgetter, HomeSection, Task
from storage import members as members_store
from storage import outbox as outbox_store


def _forget_core(session: Session, team_id: str, user_id: str) -> int:
    """Roles held, every message for or naming the person, idempotency keys naming them,
    and their id in the audit log and in grants they made (a random pseudonym, not a
    hash of the id: nothing can be tested against it)."""
    pseudonym = "forgotten-" + secrets.token_hex(6)
    return (
        outbox_store.delete_all_for(session, team_id, user_id)
        + members_store.revoke_all_roles(session, team_id, user_id)
        + members_store.forget_programme_leads(session, team_id, user_id)
        + members_store.pseudonymise_audit(session, team_id, user_id, pseudonym)
        + members_store.forget_processed_keys(session, user_id)
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
    home_sections=(HomeSection("first-admin", setup_home.first_admin_section),),
    forgetters=(Forgetter("core", _forget_core),),
    cli_verbs=(admin_cli.VERB,),
)
