"""Buddy pairing: rounds, introductions, check-ins, never-lists and pairing admin."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.registry import (
    Button,
    Capability,
    Command,
    Forgetter,
    Modal,
    SummarySource,
    Task,
)
from bot.pairing import admin, checkins, cli, commands, departures, rounds, sources
from storage import pairing as store


def _forget_pairing(session: Session, team_id: str, user_id: str) -> int:
    """Rules, org data and pair places go; check-in outcomes stay, unlinked."""
    return store.forget_user(session, team_id, user_id)


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
    forgetters=(Forgetter("pairing", _forget_pairing),),
    member_departed=(departures.on_member_departed,),
    cli_verbs=cli.VERBS,
)
