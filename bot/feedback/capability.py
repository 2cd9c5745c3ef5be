"""Anonymous feedback, "this made me uncomfortable", and anonymous reply threads."""

from __future__ import annotations

from bot.core.registry import Button, Capability, Command, HomeSection, Modal, Shortcut, Task
from bot.feedback import anonymous, commands

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
            "tell the leads, anonymously, that a check-in made you uncomfortable",
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
    tasks=(Task("prune-feedback-quota", anonymous.prune_quota),),
    home_sections=(HomeSection("feedback", commands.member_section),),
)
