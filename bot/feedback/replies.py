"""Talking back without knowing who: lead replies and the author's anonymous answers.

Replies are opt-in on the form. Only then does the author get a DM with a random
one-time token on its button; the database keeps a keyed hash of the token (the key
is derived from the master secret, so a copy of the database cannot test tokens).
The DM is sent directly, not through the outbox: an outbox row would store the token
next to the author's user id. The form tells the author plainly that this DM links
them to their item for anyone who can read both their Slack messages and the
database.

A lead replies by an item's exact reference, and only to items in released cells
(so "can't find" versus "saved" says nothing about unreleased items). An author's
answer reaches the leads in the next daily batch, so its timing points at nobody.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from slack_sdk.models.blocks import ActionsBlock, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import authz, outbox
from bot.core.authz import Permission
from bot.core.blocks import Reply, button, section, text_reply
from bot.core.errors import UserError
from bot.core.gateway import SlackError
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.feedback.anonymous import CATEGORIES, readers, token_hash
from bot.reporting.anonymity import effective_threshold, is_closed, iso_week, release_counts
from storage import feedback as store
from storage import members as members_store
from storage import pairing as pairing_store
from storage.feedback_models import Feedback, FeedbackReply

REF = re.compile(r"^[0-9a-f]{16}$")
USAGE = "Usage: `/ally reply REF your reply` (REF is the 16-character code shown next to the text)."
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class ReplyError(UserError):
    """Shown to the person; nothing changed."""


def send_confirmation(services: Services, actor: Actor, token: str) -> bool:
    """DM the author the button that lets them read replies (direct send, see above)."""
    blocks = [
        section(
            "You asked to hear back about your anonymous feedback. If a lead replies, you can "
            "read it and answer, still without your name, with this button. Only this "
            "message can do that; deleting it ends the thread for you."
        ),
        ActionsBlock(elements=[button("Read replies", "feedback_replies", token)]),
    ]
    try:
        services.gateway.call(
            "chat.postMessage",
            {
                "channel": actor.user_id,
                "text": "You can read replies to your anonymous feedback here.",
                "blocks": [b.to_dict() for b in blocks],
            },
        )
    except SlackError:
        return False
    return True


def released(session: Session, item: Feedback, threshold: int) -> bool:
    """Whether the item's (week, category) cell is shown to leads (same rule as summaries)."""
    week_counts = {c: 0 for c in CATEGORIES}
    for _week, category, n in store.counts(session, item.programme_id, [item.week]):
        week_counts[category] = n
    return release_counts(week_counts, threshold).get(item.category) is not None


def lead_reply(services: Services, actor: Actor, ref: str, text: str) -> str:
    """A lead answers a released feedback item by its exact reference."""
    ref = ref.strip().lower()
    authz.check(
        services,
        actor,
        Permission.LEAD,
        "feedback.reply",
        ref[:16] if REF.match(ref) else None,
        refusal="Sorry, only programme leads and admins can reply to feedback.",
    )
    body = clean(text, 2000)
    if not REF.match(ref) or not body:
        raise ReplyError(USAGE)
    now = services.clock.now()
    with services.db.transaction() as session:
        programmes = {p.id: p for p in pairing_store.programmes(session, actor.team_id)}
        item = store.by_id(session, list(programmes), ref)
        if item is None or not is_closed(item.week, now):
            raise ReplyError("I can't find feedback with that reference among released items.")
        threshold = effective_threshold(programmes[item.programme_id].anonymity_threshold)
        if not released(session, item, threshold):
            raise ReplyError("I can't find feedback with that reference among released items.")
        _append(session, item.id, from_lead=True, body=body, week=iso_week(now), day=None)
        members_store.audit(
            session,
            team_id=actor.team_id,
            actor=actor.user_id,
            action="feedback.reply",
            target=ref,
            outcome="ok",
            now=now,
        )
    return "Reply saved. The author sees it if they asked to hear back."


def _append(
    session: Session, feedback_id: str, *, from_lead: bool, body: str, week: str, day: str | None
) -> None:
    thread = store.replies(session, feedback_id)
    store.add_reply(
        session,
        FeedbackReply(
            id=secrets.token_hex(8),
            feedback_id=feedback_id,
            from_lead=from_lead,
            week=week,
            position=len(thread) + 1,
            body=body,
            day=day,
            delivered=from_lead,
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
        item = store.by_token_hash(session, token_hash(services, token)) if token else None
        if item is None:
            return text_reply("That feedback can no longer be found.")
        body = item.body
        closed = isinstance(item, Feedback)
        thread = [(r.from_lead, r.body) for r in store.replies(session, item.id)] if closed else []
    lines = [f"*Your feedback*\n>{escape(body[:500])}"]
    lines += [f"*{'Lead' if lead else 'You'}*: {escape(text)}" for lead, text in thread]
    if not closed:
        lines.append("Leads see it after this week ends (if enough people wrote in its category).")
    elif not thread:
        lines.append("No replies yet.")
    reply = text_reply("\n".join(lines))
    if closed:
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
            section(
                "Leads receive answers in a daily batch, so the time you send it says nothing."
            ),
            InputBlock(
                block_id="text",
                label="Your answer (your name is never stored)",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
            ),
        ],
    )


def author_answer(services: Services, token: str, text: str | None) -> None:
    """Store the author's answer for the next daily batch; raises :class:`ReplyError`."""
    token = _token(token)
    body = clean(text or "", 2000)
    if not body:
        raise ReplyError("Write a few words.")
    now = services.clock.now()
    with services.db.transaction() as session:
        item = store.by_token_hash(session, token_hash(services, token)) if token else None
        if not isinstance(item, Feedback):
            raise ReplyError("That feedback can no longer be found, or is not released yet.")
        tomorrow = (now + timedelta(days=1)).date().isoformat()
        _append(session, item.id, from_lead=False, body=body, week=iso_week(now), day=tomorrow)


def deliver_answers(services: Services) -> int:
    """Daily batch: owe each reader of the programme the authors' answers due today."""
    now = services.clock.now()
    today = now.date().isoformat()
    sent = 0
    with services.db.transaction() as session:
        due = store.due_answers(session, today)
        for reply, item in due:
            programme = pairing_store.programme(session, item.programme_id)
            if programme is None:
                continue
            text = (
                f"*An author answered* (feedback ref {item.id}):\n>{escape(reply.body)}\n"
                "_Answers arrive in a daily batch, so their timing says nothing about who._"
            )
            for lead in sorted(readers(services, session, programme.team_id, programme.id)):
                outbox.send_dm(
                    session,
                    team_id=programme.team_id,
                    user_id=lead,
                    text=text,
                    now=now,
                    dedupe_key=f"answer:{reply.id}:{lead}",
                )
                members_store.audit(
                    session,
                    team_id=programme.team_id,
                    actor=lead,
                    action="read.feedback-answer",
                    target=item.id,
                    outcome="ok",
                    now=now,
                )
                sent += 1
        store.mark_delivered(session, [r.id for r, _ in due])
    return sent
