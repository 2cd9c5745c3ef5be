"""Talking back without knowing who: lead replies and the author's anonymous answers.

The author's confirmation DM carries a random one-time token; the database keeps
only its SHA-256, stored on the feedback row. Whoever holds that DM (only the
author) can read replies and answer; nothing links a Slack user to a feedback row.
The DM is sent directly, not through the outbox: an outbox row would store the
token next to the author's user id, which is exactly the link we must not keep.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from slack_sdk.models.blocks import ActionsBlock, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import authz
from bot.core.authz import Permission
from bot.core.blocks import Reply, button, section, text_reply
from bot.core.errors import UserError
from bot.core.gateway import SlackError
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.reporting.anonymity import iso_week
from storage import feedback as store
from storage import pairing as pairing_store
from storage.feedback_models import FeedbackReply

REF_LEN = 8
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class ReplyError(UserError):
    """Shown to the person; nothing changed."""


def send_confirmation(services: Services, actor: Actor, token: str) -> bool:
    """DM the author the button that lets them read replies (direct send, see above)."""
    blocks = [
        section(
            "Thanks for your anonymous feedback. If a lead replies, you can read it and "
            "answer, still anonymously, with this button. Only this message can do that."
        ),
        ActionsBlock(elements=[button("Read replies", "feedback_replies", token)]),
    ]
    try:
        services.gateway.call(
            "chat.postMessage",
            {
                "channel": actor.user_id,
                "text": "Thanks for your anonymous feedback.",
                "blocks": [b.to_dict() for b in blocks],
            },
        )
    except SlackError:
        return False
    return True


def lead_reply(services: Services, actor: Actor, ref: str, text: str) -> str:
    """A lead answers a feedback item by its short reference (leads and admins only)."""
    authz.check(
        services,
        actor,
        Permission.LEAD,
        "feedback.reply",
        ref[:REF_LEN],
        refusal="Sorry, only programme leads and admins can reply to feedback.",
    )
    body = clean(text, 2000)
    if len(ref) != REF_LEN or not body:
        raise ReplyError("Usage: `/ally reply REF your reply` (REF is shown next to the text).")
    with services.db.transaction() as session:
        programme_ids = [p.id for p in pairing_store.programmes(session, actor.team_id)]
        item = store.by_ref(session, programme_ids, ref)
        if item is None:
            raise ReplyError("I can't find feedback with that reference.")
        _append(session, item.id, from_lead=True, body=body, week=iso_week(services.clock.now()))
    return "Reply saved. The author sees it when they open their feedback."


def _append(session: Session, feedback_id: str, *, from_lead: bool, body: str, week: str) -> None:
    thread = store.replies(session, feedback_id)
    store.add_reply(
        session,
        FeedbackReply(
            id=str(uuid.uuid4()),
            feedback_id=feedback_id,
            from_lead=from_lead,
            week=week,
            position=len(thread) + 1,
            body=body,
        ),
    )


def _token(value: str) -> str:
    """The one-time token from a button or a form: url-safe base64, never anything else."""
    if not _TOKEN.fullmatch(value):
        raise ReplyError("That feedback can no longer be found.")
    return value


def thread_for_token(services: Services, token: str) -> Reply:
    token = _token(token)
    with services.db.read() as session:
        item = store.by_token_hash(session, hashlib.sha256(token.encode()).hexdigest())
        if item is None:
            return text_reply("That feedback can no longer be found.")
        thread = [(r.from_lead, r.body) for r in store.replies(session, item.id)]
        body = item.body
    lines = [f"*Your feedback*\n>{escape(body[:500])}"]
    lines += [f"*{'Lead' if lead else 'You'}*: {escape(text)}" for lead, text in thread]
    if not thread:
        lines.append("No replies yet.")
    reply = text_reply("\n".join(lines))
    reply.blocks.append(
        ActionsBlock(elements=[button("Answer anonymously", "feedback_answer", token)])
    )
    return reply


def answer_form(token: str) -> View:
    token = _token(token)
    return View(
        type="modal",
        callback_id="feedback_answer_modal",
        private_metadata=token,
        title="Answer anonymously",
        submit="Send",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="text",
                label="Your answer (your name is never stored)",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
            )
        ],
    )


def author_answer(services: Services, token: str, text: str | None) -> None:
    """Store the author's answer; raises :class:`ReplyError` for the form."""
    token = _token(token)
    body = clean(text or "", 2000)
    if not body:
        raise ReplyError("Write a few words.")
    with services.db.transaction() as session:
        item = store.by_token_hash(session, hashlib.sha256(token.encode()).hexdigest())
        if item is None:
            raise ReplyError("That feedback can no longer be found.")
        _append(session, item.id, from_lead=False, body=body, week=iso_week(services.clock.now()))
