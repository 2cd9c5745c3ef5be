"""Anonymous feedback: a form anyone can open, stored so nobody can tell who wrote it.

What is stored: the programme, the ISO week, the category, the optional rating and the
text with every mention, channel, link and Slack id removed. What is not: who wrote
it, when exactly, or in which order it arrived (random ids). The weekly limit is
counted under an HMAC of (person, week) in a separate table with no link to the rows.
Nothing here logs the text or the author.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.blocks import section
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import clean, escape, plural
from bot.reporting.anonymity import effective_threshold, iso_week
from storage import feedback as store
from storage import members as members_store
from storage import pairing as pairing_store
from storage.feedback_models import Feedback

MAX_CHARS = 3000
WEEKLY_LIMIT = 3
CATEGORIES = {
    "working": "What is working",
    "performative": "What feels performative",
    "concern": "A concern",
    "idea": "An idea",
}
_SLACK_MARKUP = re.compile(r"<[^<>]*>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SLACK_ID = re.compile(r"\b[UWBCGDT][A-Z0-9]{7,}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


class FeedbackError(UserError):
    """Shown on the form; nothing was stored."""


def scrub(text: str) -> str:
    """Remove what could point at a person or place: mentions, links, ids, emails."""
    text = _SLACK_MARKUP.sub("[removed]", text)
    text = _URL.sub("[link removed]", text)
    text = _EMAIL.sub("[email removed]", text)
    return _SLACK_ID.sub("[id removed]", text)


def quota_key(services: Services, actor: Actor, week: str) -> str:
    """HMAC of (workspace, person, week) under a key only the running bot holds."""
    secret = services.settings.slack_signing_secret or services.settings.slack_bot_token or ""
    key = hashlib.sha256(b"allybot-feedback-quota:" + secret.encode()).digest()
    message = f"{actor.team_id}:{actor.user_id}:{week}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def form() -> View:
    categories = [Option(text=label, value=value) for value, label in CATEGORIES.items()]
    ratings = [Option(text=str(n), value=str(n)) for n in range(1, 6)]
    return View(
        type="modal",
        callback_id="feedback_modal",
        title="Anonymous feedback",
        submit="Send",
        close="Cancel",
        blocks=[
            section(
                "Tell the programme what works and what doesn't. *Your name is never "
                "stored*: only the week, the category, the rating and your words (with any "
                "mentions or links removed)."
            ),
            InputBlock(
                block_id="category",
                label="What is it about?",
                element=StaticSelectElement(action_id="value", options=categories),
            ),
            InputBlock(
                block_id="rating",
                label="How is the programme doing? (1 = badly, 5 = very well)",
                optional=True,
                element=StaticSelectElement(action_id="value", options=ratings),
            ),
            InputBlock(
                block_id="text",
                label="Your feedback",
                element=PlainTextInputElement(
                    action_id="value", multiline=True, max_length=MAX_CHARS
                ),
            ),
        ],
    )


@dataclass(frozen=True)
class Stored:
    category: str
    rating: int | None
    text: str
    week: str
    #: The one-time token for the author's confirmation DM (its hash is stored).
    token: str = field(repr=False, default="")
    #: The programme's anonymity threshold, so the confirmation states the real one.
    threshold: int = 5


def submit(
    services: Services, actor: Actor, values: Mapping[str, str | None], key: str
) -> Stored | None:
    """Store one feedback item (once per form submission ``key``); None if a repeat."""
    category = values.get("category") or ""
    if category not in CATEGORIES:
        raise FeedbackError("Choose what your feedback is about.")
    rating_raw = values.get("rating")
    rating = int(rating_raw) if rating_raw and rating_raw.isdigit() else None
    if rating is not None and not 1 <= rating <= 5:
        raise FeedbackError("The rating is from 1 to 5.")
    body = scrub(clean(values.get("text") or "", MAX_CHARS))
    if not body:
        raise FeedbackError("Write a few words.")
    now = services.clock.now()
    week = iso_week(now)
    with services.once(key) as session:
        if session is None:
            return None
        if not store.use_quota(session, quota_key(services, actor, week), week, WEEKLY_LIMIT):
            raise FeedbackError(
                f"You've sent {WEEKLY_LIMIT} pieces of feedback this week, the most I "
                "accept. Thank you; please send more next week."
            )
        members_store.ensure_workspace(session, actor.team_id, now)
        programme_id = members_store.default_programme_id(session, actor.team_id)
        programme = pairing_store.programme(session, programme_id)
        threshold = effective_threshold(programme.anonymity_threshold if programme else 5)
        token = secrets.token_urlsafe(24)
        store.add(
            session,
            Feedback(
                id=str(uuid.uuid4()),
                programme_id=programme_id,
                week=week,
                category=category,
                rating=rating,
                body=body,
                reply_token_hash=hashlib.sha256(token.encode()).hexdigest(),
            ),
        )
    return Stored(category, rating, body, week, token, threshold)


def confirmation(stored: Stored | None) -> View:
    """What the person sees after sending: exactly what was stored and who sees it."""
    if stored is None:
        lines = "Already received; nothing more was stored."
    else:
        rating = str(stored.rating) if stored.rating else "none"
        lines = (
            f"*Stored*: week {stored.week}, category _{CATEGORIES[stored.category]}_, "
            f"rating {rating}, and this text:\n>{escape(stored.text[:2500])}\n\n"
            "*Not stored*: your name, your Slack id, the time.\n"
            "*Who sees it*: the programme's leads and admins, only once at least "
            f"{plural(stored.threshold, 'person has', 'people have')} sent feedback in the "
            "same category and period, shuffled and without dates."
        )
    return View(
        type="modal",
        callback_id="feedback_done",
        title="Thank you",
        close="Close",
        blocks=[section(lines)],
    )


def prune_quota(services: Services) -> int:
    """Scheduler task: forget the weekly quota counters of past weeks."""
    with services.db.transaction() as session:
        return store.prune_quota(session, [iso_week(services.clock.now())])
