"""Anonymous feedback, "this made me uncomfortable", and anonymous reply threads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.registry import (
    Button,
    Capability,
    Command,
    Forgetter,
    HomeSection,
    Modal,
    Shortcut,
    Task,
)
from bot.feedback import anonymous, commands, concerns, replies
from storage import feedback as store
from storage import pairing as pairing_store


def _forget_feedback(session: Session, team_id: str, user_id: str) -> int:
    """Their place among concern contacts. Feedback itself holds nothing about anyone;
    an open week's quota rows stay (they name nobody without the week's key, and
    deleting them would let a person send twice in one category and week)."""
    programme_ids = [p.id for p in pairing_store.programmes(session, team_id)]
    return store.forget_contact(session, programme_ids, user_id)


CAPABILITY = Capability(
    name="feedback",
    title="Feedback",
    commands=(
        Command(
            "feedback",
            "/ally feedback",
            "tell the programme, anonymously, what works and what doesn't",
            commands.feedback_command,
        ),
        Command(
            "uncomfortable",
            "/ally uncomfortable [what happened]",
            "tell the programme's concern contacts that a check-in made you uncomfortable",
            commands.uncomfortable,
        ),
        Command(
            "reply",
            "/ally reply REF text",
            "reply to a feedback item (leads and admins)",
            commands.reply_command,
        ),
    ),
    buttons=(
        Button("feedback_open", commands.open_form),
        Button("checkin_uncomfortable", commands.open_concern_form),
        Button("feedback_replies", commands.thread_button),
        Button("feedback_answer", commands.answer_button),
    ),
    modals=(
        Modal("feedback_modal", commands.submitted, error_block="text"),
        Modal("uncomfortable_modal", commands.concern_submitted, error_block="text"),
        Modal("feedback_answer_modal", commands.answer_submitted, error_block="text"),
    ),
    shortcuts=(Shortcut("ally_feedback", commands.shortcut),),
    admin_actions=(concerns.CONTACTS_ACTION,),
    tasks=(
        Task("close-feedback-weeks", anonymous.close_weeks),
        Task("concern-batch", concerns.deliver_due),
        Task("feedback-answers", replies.deliver_answers),
    ),
    home_sections=(HomeSection("feedback", commands.member_section),),
    forgetters=(Forgetter("feedback", _forget_feedback),),
)
