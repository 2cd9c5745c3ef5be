"""Wire anonymous feedback into ``/ally``, the App Home and the handlers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from bot.core import authz
from bot.feedback import concerns
from bot.reporting import digest
from bot.reporting import export
from bot.feedback import anonymous as feedback
from bot.feedback import replies as feedback_replies
from bot.membership import home
from bot.core import scheduler
from bot.reporting import summaries
from bot.core.admin import AdminInputError
from bot.core.commands import command
from bot.core.services import Actor, Services
from bot.core.blocks import Reply, button, section, sections, text_reply


@command(
    "feedback", "/ally feedback", "tell the programme, anonymously, what works and what doesn't"
)
def _feedback(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    reply = text_reply("Opening the anonymous feedback form. Your name is never stored.")
    reply.modal = feedback.form()
    return reply


def member_section(services: Services, actor: Actor) -> list[Block]:
    return [
        section("*Anonymous feedback*: what works, what feels performative, concerns, ideas."),
        ActionsBlock(
            block_id="feedback_tools",
            elements=[button("Share anonymous feedback", "feedback_open")],
        ),
    ]


def submitted(
    services: Services, actor: Actor, values: Mapping[str, str | None], key: str
) -> View | str:
    """The form's submission: the confirmation view, or an error for the form."""
    try:
        stored = feedback.submit(services, actor, values, key)
    except feedback.FeedbackError as exc:
        return str(exc)
    if stored is not None:
        feedback_replies.send_confirmation(services, actor, stored.token)
    return feedback.confirmation(stored)


home.MEMBER_SECTIONS.append(member_section)


@command("summary", "/ally summary [programme] [weeks]", "programme figures (leads and admins)")
def _summary(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    try:
        return text_reply(summaries.summary(services, actor, list(args)))
    except authz.Denied:
        return text_reply(
            "Sorry, only programme leads and admins can see summaries. Nothing was shown; "
            "the request was logged."
        )
    except AdminInputError as exc:
        return text_reply(str(exc))


scheduler.TASKS["lead-digest"] = digest.send_due
__all__ = ["export"]


@command(
    "uncomfortable",
    "/ally uncomfortable [what happened]",
    "tell the leads, anonymously, that a check-in made you uncomfortable",
)
def _uncomfortable(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if not args:
        reply = text_reply("Opening a short form. " + concerns.NOT_HR)
        reply.modal = concerns.form()
        return reply
    n = concerns.flag(services, actor, " ".join(args), share_name=False)
    return text_reply(
        f"Sent anonymously to {n} programme lead(s), never to anyone's manager. " + concerns.NOT_HR
    )


def concern_submitted(services: Services, actor: Actor, text: str | None, share: bool) -> View:
    n = concerns.flag(services, actor, text or "", share)
    return View(
        type="modal",
        title="Sent",
        close="Close",
        blocks=[section(f"Sent to {n} programme lead(s). {concerns.NOT_HR}")],
    )


@command("reply", "/ally reply REF text", "reply to a feedback item (leads and admins)")
def _reply(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) < 2:
        return text_reply("Usage: `/ally reply REF your reply` (REF is shown next to the text).")
    try:
        return text_reply(feedback_replies.lead_reply(services, actor, args[0], " ".join(args[1:])))
    except authz.Denied:
        return text_reply("Sorry, only programme leads and admins can reply to feedback.")
    except feedback_replies.ReplyError as exc:
        return text_reply(str(exc))


def lead_summary_section(services: Services, actor: Actor, roles: set[str]) -> list[Block]:
    """Leads and admins see the default programme's last four weeks on their Home."""
    try:
        text = summaries.summary(services, actor, ["4"])
    except authz.Denied:
        return []
    return sections(text)[:20]


home.LEAD_SECTIONS.insert(0, lead_summary_section)
