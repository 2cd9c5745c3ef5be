"""Anonymous feedback: a form anyone can open, stored so nobody can tell who wrote it.

The promise, kept by construction rather than by care:

* **k counts people.** Whoever can read a programme's feedback (its leads, the
  workspace's leads and admins) cannot send anonymous feedback to it; everyone
  else may send one item per category per week. A released cell (at least the
  threshold of items in one category and week) therefore holds items from at
  least that many different people, none of them the reader.
* **Nothing at rest ties a closed week's item to its author.** An open week's items
  wait in ``feedback_staging``; the quota is counted in ``feedback_quota`` under an
  HMAC keyed by the week's random key (kept in the database) together with a key
  derived from the master secret. When the week closes, :func:`close_weeks` moves
  the items into ``feedback`` shuffled, with fresh random ids, in one transaction,
  and deletes the staging rows, the week's quota rows and the week's key; then it
  checkpoints SQLite's WAL (or VACUUMs on PostgreSQL).

What is stored: the programme, the ISO week, the category, the optional rating and
the text with every mention, channel, link and Slack id removed. Nothing here logs
the text or the author.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core import parse
from bot.core.blocks import section
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.reporting.anonymity import effective_threshold, iso_week
from storage import feedback as store
from storage import keyring
from storage import members as members_store
from storage import pairing as pairing_store
from storage.feedback_models import FeedbackStaging

MAX_CHARS = 3000
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

READER_REFUSAL = (
    "You can read this programme's feedback, so you can't add anonymous feedback to it: "
    "anything you added would let you tell the other items apart. Please say it with your "
    "name instead: message the other leads or an admin directly."
)
REPLY_DM_WARNING = (
    "If you tick this, I DM you a button to read replies and answer. That DM links you to "
    "this item for anyone who can read both your Slack messages and the bot's database."
)


class FeedbackError(UserError):
    """Shown on the form; nothing was stored."""


def scrub(text: str) -> str:
    """Remove what could point at a person or place: mentions, links, ids, emails."""
    text = _SLACK_MARKUP.sub("[removed]", text)
    text = _URL.sub("[link removed]", text)
    text = _EMAIL.sub("[email removed]", text)
    return _SLACK_ID.sub("[id removed]", text)


def readers(services: Services, session: Session, team_id: str, programme_id: int) -> set[str]:
    """Everyone who can read the programme's feedback (and so may not send any)."""
    return members_store.feedback_readers(session, team_id, programme_id) | set(
        services.settings.admins
    )


@dataclass(frozen=True)
class Target:
    """The programme feedback goes to, its threshold, and whether the actor reads it."""

    programme_id: int
    threshold: int
    is_reader: bool


def target(services: Services, actor: Actor) -> Target:
    now = services.clock.now()
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        programme_id = members_store.default_programme_id(session, actor.team_id)
        programme = pairing_store.programme(session, programme_id)
        configured = programme.anonymity_threshold if programme is not None else None
        is_reader = actor.user_id in readers(services, session, actor.team_id, programme_id)
    return Target(programme_id, effective_threshold(configured), is_reader)


def rule_text(threshold: int) -> str:
    """The release rule in words, with the programme's real threshold."""
    return (
        f"Leads and admins see a category's feedback for a week only after that week ends, "
        f"and only if at least {threshold} different people sent feedback in that category "
        "that week (everyone can send one item per category per week; leads and admins "
        "can't send any). Texts are shuffled and undated."
    )


def form(services: Services, actor: Actor) -> View:
    """The feedback form, or, for someone who reads the feedback, why they can't use it."""
    where = target(services, actor)
    if where.is_reader:
        return View(
            type="modal",
            callback_id="feedback_reader",
            title="Anonymous feedback",
            close="Close",
            blocks=[section(READER_REFUSAL)],
        )
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
                "mentions or links removed). " + rule_text(where.threshold)
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
            InputBlock(
                block_id="reply",
                label="Replies",
                optional=True,
                hint=REPLY_DM_WARNING[:150],
                element=CheckboxesElement(
                    action_id="value",
                    options=[Option(text="Let leads reply to me", value="yes")],
                ),
            ),
            section(REPLY_DM_WARNING),
        ],
    )


@dataclass(frozen=True)
class Stored:
    category: str
    rating: int | None
    text: str
    week: str
    #: The programme's anonymity threshold, so the confirmation states the real one.
    threshold: int
    #: The one-time token for the author's reply DM ("" when they did not opt in).
    token: str = field(repr=False, default="")


def _week_secret(services: Services, session: Session, week: str) -> bytes:
    """The week's quota key: its random part (in the database, dies with the week)
    joined with a key derived from the master secret (never in the database)."""
    random_part = keyring.week_key(session, week)
    if random_part is None:
        random_part = keyring.week_key_or_add(session, week, secrets.token_bytes(32))
    return services.keys.derive("feedback-quota") + random_part


def _hmac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def token_hash(services: Services, token: str) -> str:
    """The reply token as stored: keyed, so a copy of the database cannot test a token."""
    return services.keys.keyed_hash("reply-token", token)


def submit(
    services: Services,
    actor: Actor,
    values: Mapping[str, str | None],
    key: str,
    wants_reply: bool = False,
) -> Stored | None:
    """Stage one feedback item (once per form submission ``key``); None if a repeat."""
    category = values.get("category") or ""
    if category not in CATEGORIES:
        raise FeedbackError("Choose what your feedback is about.")
    rating_raw = values.get("rating")
    rating = parse.optional_number(rating_raw, what="The rating", lo=1, hi=5)
    body = scrub(clean(values.get("text") or "", MAX_CHARS))
    if not body:
        raise FeedbackError("Write a few words.")
    where = target(services, actor)
    if where.is_reader:
        raise FeedbackError(READER_REFUSAL)
    week = iso_week(services.clock.now())
    token = secrets.token_urlsafe(24) if wants_reply else ""
    with services.db.transaction() as session:
        secret = _week_secret(services, session, week)
        quota_key = _hmac(
            secret, f"{actor.team_id}:{actor.user_id}:{where.programme_id}:{category}"
        )
        submission = _hmac(secret, key)
        used = store.quota(session, quota_key)
        if used is None:
            try:
                with session.begin_nested():
                    store.use_quota(session, quota_key, week, submission)
            except IntegrityError:  # a concurrent delivery of the same person won the race
                used = store.quota(session, quota_key)
        if used is not None:
            if hmac.compare_digest(used.submission, submission):
                return None  # the same form delivered twice: stored once already
            raise FeedbackError(
                f"You've already sent feedback about “{CATEGORIES[category]}” this week; "
                "each person sends one per category per week, so every figure counts people. "
                "Choose another category, or send it next week."
            )
        store.stage(
            session,
            FeedbackStaging(
                id=secrets.token_hex(8),
                programme_id=where.programme_id,
                week=week,
                category=category,
                rating=rating,
                body=body,
                reply_token_hash=token_hash(services, token) if token else None,
            ),
        )
    return Stored(category, rating, body, week, where.threshold, token)


def confirmation(stored: Stored | None) -> View:
    """What the person sees after sending: exactly what was stored and who sees it."""
    if stored is None:
        lines = "Already received; nothing more was stored."
    else:
        rating = str(stored.rating) if stored.rating else "none"
        replies = (
            "You asked for replies: a DM with a button is on its way (only that DM can open "
            "the thread)."
            if stored.token
            else "No reply DM: nothing links you to this item."
        )
        lines = (
            f"*Stored*: week {stored.week}, category _{CATEGORIES[stored.category]}_, "
            f"rating {rating}, and this text:\n>{escape(stored.text[:2500])}\n\n"
            "*Not stored*: your name, your Slack id, the time.\n"
            f"*Who sees it*: {rule_text(stored.threshold)}\n{replies}"
        )
    return View(
        type="modal",
        callback_id="feedback_done",
        title="Thank you",
        close="Close",
        blocks=[section(lines)],
    )


def close_weeks(services: Services) -> int:
    """Scheduler task: release every ended week's staged items into ``feedback``.

    One transaction per week moves the items (shuffled, fresh random ids, no time)
    and deletes the staging rows, the week's quota rows and its random key; then the
    database is asked to forget the deleted bytes (SQLite WAL checkpoint, PostgreSQL
    VACUUM), so neither rowid, WAL-frame order nor ``xmin`` ties an item to a quota row.
    """
    current = iso_week(services.clock.now())
    moved = 0
    with services.db.read() as session:
        weeks = store.weeks_to_close(session, current)
    rng = secrets.SystemRandom()
    for week in weeks:
        with services.db.transaction() as session:
            n = store.staged_count(session)
            ids = [secrets.token_hex(8) for _ in range(n)]
            moved += store.close_week(session, week, ids, rng)
    if weeks:
        services.db.forget_deleted(["feedback_staging", "feedback_quota", "feedback_week_key"])
    return moved
