"""Buddy pairing: rounds, introductions, check-ins, never-lists and pairing admin."""

from __future__ import annotations

from bot.core.registry import (
    Button,
    Capability,
    Command,
    Forgetter,
    Modal,
    SummarySource,
    Task,
)
from bot.pairing import admin, checkins, cli, commands, rounds, sources
from storage import pairing as store

CAPABILITY = Capability(
    name="pairing",
    title="Your buddy pairings",
    commands=(
        Command(
            "checkin",
            "/ally checkin PAIR yes|not-yet|wont",
            "tell me whether you met your buddy",
            commands.checkin,
        ),
        Command(
            "end-pairing",
            "/ally end-pairing PAIR",
            "end your current pairing, privately",
            commands.end_pairing,
        ),
        Command(
            "never",
            "/ally never @person | never remove @person | never list",
            "privately never be paired with someone",
            commands.never,
        ),
    ),
    admin_actions=admin.ADMIN_ACTIONS,
    buttons=(
        *(Button(a, commands.answer_button(a)) for a in commands.BUTTON_ANSWERS),
        Button("pair_end", commands.end_button),
        Button("checkin_yes", commands.checkin_form),
    ),
    modals=(Modal("checkin_modal", commands.checkin_submitted, error_block="usefulness"),),
    tasks=(
        Task("pairing-rounds", rounds.due_rounds),
        Task("checkin-nudges", checkins.due_nudges),
    ),
    summary_sources=(SummarySource("pairing", sources.pairing_cells),),
    forgetters=(Forgetter("pairing", store.forget_user),),
    cli_verbs=cli.VERBS,
)
