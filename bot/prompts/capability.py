"""Reflection prompts: each member's rhythm, delivery, the private journal, the library."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.registry import (
    Button,
    Capability,
    Command,
    Forgetter,
    HomeSection,
    Modal,
    SummarySource,
    Task,
    page_buttons,
)
from bot.prompts import admin, cli, commands, home, journal, service, sources
from storage import keyring
from storage import members as members_store
from storage import prompts as store


def _forget_prompts(session: Session, team_id: str, user_id: str) -> int:
    """The member's journal, its data key (crypto-shredding) and schedule.

    Delivery counts stay, unlinked, so closed weeks' figures do not change.
    """
    member = members_store.get_member(session, team_id, user_id)
    if member is None:
        return 0
    return keyring.delete_member_key(session, member.id) + store.forget_member(session, member.id)


CAPABILITY = Capability(
    name="prompts",
    title="Reflection",
    commands=(
        Command(
            "reflect", "/ally reflect", "get your next reflection prompt now", commands.reflect
        ),
        Command(
            "journal",
            "/ally journal [page] | journal export",
            "your private reflections",
            commands.journal_command,
            slow=commands.is_export,
        ),
        Command(
            "prompts",
            "/ally prompts [twice-a-week|weekly|fortnightly|off] [weekday] [HH:MM]",
            "when your reflection prompts arrive",
            commands.prompts_command,
        ),
    ),
    admin_actions=(admin.ADMIN_ACTION,),
    buttons=(
        *(Button(a, commands.prompt_button(a)) for a in commands.PROMPT_BUTTONS),
        Button("prompt_reflect", commands.reflect_form),
        Button("prompts_manage", admin.manage_button),
        *page_buttons("prompts_list", admin.list_page_button),
        *page_buttons("journal_page", journal.page_button),
    ),
    home_buttons=home.HOME_BUTTONS,
    modals=(
        Modal("reflect_modal", commands.reflection_submitted, error_block="reflection"),
        Modal("prompts_modal", admin.save_prompt_form, error_block="action"),
    ),
    home_sections=(
        HomeSection("prompt-rhythm", home.section_blocks),
        HomeSection("prompt-library", admin.admin_prompt_section, lead=True),
    ),
    tasks=(Task("prompts", service.deliver_due),),
    summary_sources=(SummarySource("prompts", sources.prompt_cells),),
    forgetters=(Forgetter("prompts", _forget_prompts),),
    member_changed=(service.on_member_changed,),
    cli_verbs=(cli.VERB,),
)
