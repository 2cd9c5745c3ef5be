"""What people type and click to give feedback, flag a check-in, or talk back.

Anonymous feedback, "this made me uncomfortable", and the lead-author reply
thread: each entry point opens a form or records what was sent, through the
domain modules of this package.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from bot.core.blocks import Reply, button, section, text_reply
from bot.core.registry import FieldErrors, HomeContext, ViewInput
from bot.core.services import Actor, Services
from bot.core.text import plural
from bot.feedback import anonymous, concerns, replies


def feedback_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    reply = text_reply("Opening the anonymous feedback form. Your name is never stored.")
    reply.modal = anonymous.form()
    return reply


def open_form(services: Services, actor: Actor, value: str = "") -> View:
    """The feedback form, from a button or the global shortcut."""
    return anonymous.form()


def shortcut(services: Services, actor: Actor) -> View:
    return anonymous.form()


def member_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if not ctx.is_member:
        return []
    return [
        section("*Anonymous feedback*: what works, what feels performative, concerns, ideas."),
        ActionsBlock(
            block_id="feedback_tools",
            elements=[button("Share anonymous feedback", "feedback_open")],
        ),
    ]


def submitted(services: Services, actor: Actor, form: ViewInput) -> View:
    """The form's submission: the confirmation view (errors are raised for the form)."""
    stored = anonymous.submit(services, actor, form.values, form.key)
    if stored is not None:
        replies.send_confirmation(services, actor, stored.token)
    return anonymous.confirmation(stored)


def uncomfortable(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if not args:
        reply = text_reply("Opening a short form. " + concerns.NOT_HR)
        reply.modal = concerns.form()
        return reply
    n = concerns.flag(services, actor, " ".join(args), share_name=False)
    return text_reply(
        f"Sent anonymously to {plural(n, 'programme lead')}, never to anyone's manager. "
        + concerns.NOT_HR
    )


def open_concern_form(services: Services, actor: Actor, value: str) -> View:
    return concerns.form()


def concern_submitted(services: Services, actor: Actor, form: ViewInput) -> View:
    share = bool(form.selected.get("share"))
    n = concerns.flag(services, actor, form.values.get("text") or "", share)
    return View(
        type="modal",
        title="Sent",
        close="Close",
        blocks=[section(f"Sent to {plural(n, 'programme lead')}. {concerns.NOT_HR}")],
    )


def reply_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) < 2:
        return text_reply("Usage: `/ally reply REF your reply` (REF is shown next to the text).")
    return text_reply(replies.lead_reply(services, actor, args[0], " ".join(args[1:])))


def thread_button(services: Services, actor: Actor, value: str) -> Reply:
    """ "Read replies" in the author's DM (the value is the one-time token)."""
    return replies.thread_for_token(services, value)


def answer_button(services: Services, actor: Actor, value: str) -> View:
    return replies.answer_form(value)


def answer_submitted(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    replies.author_answer(services, form.private_metadata, form.values.get("text"))
    return None
