""" "This made me uncomfortable": a private flag to people who cannot be involved.

A programme names its concern contacts (admins choose them; its leads by default).
A contact must be neither a participant of the programme nor, per the org import,
the manager of any participant: someone's buddy or manager must never receive the
flag about them. Recipients depend on the programme only, never on the reporter, so
nobody learns anything from being left out. When no valid contact exists the reporter
is told before sending and pointed to the admins or HR.

Anonymous concerns wait for the daily batch (the scheduler's daily job sends them),
so the time a note arrives says nothing about who sent it; a concern whose reporter
shares their name goes out at once. It is not a formal HR report and says so.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.blocks import section
from bot.core.errors import UserError
from bot.core.registry import AdminAction
from bot.core.services import Actor, Services
from bot.core.text import clean, escape, mention, parse_user_ref, plural
from storage import feedback as store
from storage import members as members_store
from storage import pairing as pairing_store
from storage.feedback_models import PendingConcern
from storage.models import Programme

NOT_HR = (
    "This is not a formal HR report. To make one, use your HR team's usual reporting "
    "channel; the programme's contacts can help you find it."
)


class ConcernError(UserError):
    """Shown to the person; nothing was sent or stored."""


@dataclass(frozen=True)
class Contacts:
    """Who a programme's concerns go to, and who was left out and why."""

    valid: list[str]
    invalid: list[tuple[str, str]]


def _involved(session: Session, programme_id: int) -> dict[str, str]:
    """user id -> why they cannot receive this programme's concerns."""
    why: dict[str, str] = {}
    for member, org in pairing_store.programme_members(session, programme_id):
        if org is not None and org.manager_id:
            why.setdefault(org.manager_id, "manages a participant")
        why[member.user_id] = "takes part in the programme"
    return why


def contacts(session: Session, programme_id: int) -> Contacts:
    """The programme's valid contacts (configured, else its leads), checked right now."""
    named = store.concern_contacts(session, programme_id) or sorted(
        pairing_store.programme_leads(session, programme_id)
    )
    involved = _involved(session, programme_id)
    valid = [u for u in named if u not in involved]
    invalid = [(u, involved[u]) for u in named if u in involved]
    return Contacts(valid, invalid)


def _programme(services: Services, actor: Actor) -> Programme:
    now = services.clock.now()
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        programme = pairing_store.programme(
            session, members_store.default_programme_id(session, actor.team_id)
        )
    if programme is None:
        raise LookupError("the default programme vanished")
    return programme


def _admins(services: Services, session: Session, team_id: str) -> list[str]:
    granted = {g.user_id for g in members_store.list_grants(session, team_id) if g.role == "admin"}
    return sorted(granted | set(services.settings.admins))


def no_contact_text(services: Services, session: Session, team_id: str) -> str:
    admins = ", ".join(mention(a) for a in _admins(services, session, team_id)) or "an admin"
    return (
        "Right now nobody can receive concerns for this programme without being part of it "
        "or managing someone in it, so I won't send this. Please talk to "
        f"{admins} or your HR team directly. {NOT_HR}"
    )


def form(services: Services, actor: Actor) -> View:
    """The concern form, naming exactly who will read it (or why nobody can)."""
    programme = _programme(services, actor)
    with services.db.read() as session:
        found = contacts(session, programme.id)
        if not found.valid:
            return View(
                type="modal",
                callback_id="uncomfortable_none",
                title="Flag a concern",
                close="Close",
                blocks=[section(no_contact_text(services, session, actor.team_id))],
            )
    readers = ", ".join(mention(u) for u in found.valid)
    return View(
        type="modal",
        callback_id="uncomfortable_modal",
        title="Flag a concern",
        submit="Send",
        close="Cancel",
        blocks=[
            section(
                "Tell the programme that something in a check-in made you uncomfortable. "
                f"*Who reads it*: {readers}, chosen because none of them takes part in the "
                "programme or manages anyone in it. Anonymous notes go out in a daily batch; "
                "if you share your name it goes at once. " + NOT_HR
            ),
            InputBlock(
                block_id="text",
                label="What happened",
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
            ),
            InputBlock(
                block_id="share",
                label="Your name",
                optional=True,
                element=CheckboxesElement(
                    action_id="value",
                    options=[Option(text="Share my name so someone can follow up", value="yes")],
                ),
            ),
        ],
    )


@dataclass(frozen=True)
class Flagged:
    recipients: list[str]
    at_once: bool

    def reply(self) -> str:
        who = ", ".join(mention(u) for u in self.recipients)
        when = "now, with your name" if self.at_once else "anonymously in today's daily batch"
        return f"Sent {when} to {who}, never to anyone involved in the programme. {NOT_HR}"


def flag(services: Services, actor: Actor, text: str, share_name: bool) -> Flagged:
    """Send (named) or queue for the daily batch (anonymous); refuses when nobody valid."""
    now = services.clock.now()
    body = clean(text, 2000)
    with services.db.transaction() as session:
        # One transaction from the workspace row on: a refusal leaves nothing behind.
        members_store.ensure_workspace(session, actor.team_id, now)
        programme = pairing_store.programme(
            session, members_store.default_programme_id(session, actor.team_id)
        )
        if programme is None:
            raise LookupError("the default programme vanished")
        found = contacts(session, programme.id)
        if not found.valid:
            raise ConcernError(no_contact_text(services, session, actor.team_id))
        if not share_name:
            store.queue_concern(
                session,
                PendingConcern(
                    id=secrets.token_hex(8),
                    programme_id=programme.id,
                    day=now.date().isoformat(),
                    body=body,
                ),
            )
            return Flagged(found.valid, at_once=False)
        message = _message([body], f"{mention(actor.user_id)} asked to share their name.")
        for contact in found.valid:
            outbox.send_dm(session, team_id=actor.team_id, user_id=contact, text=message, now=now)
            _audit_read(session, programme.team_id, contact, now)
    return Flagged(found.valid, at_once=True)


def _message(bodies: Sequence[str], who: str) -> str:
    quoted = "\n".join(f">{escape(b)}" if b else ">(no details given)" for b in bodies)
    head = (
        "*A check-in made someone uncomfortable.*"
        if len(bodies) == 1
        else f"*{plural(len(bodies), 'note')} from people a check-in made uncomfortable.*"
    )
    return f"{head}\n{quoted}\n{who}\n_{NOT_HR}_"


def _audit_read(session: Session, team_id: str, reader: str, now: datetime) -> None:
    """Who received a concern, and when (never what it said)."""
    members_store.audit(
        session, team_id=team_id, actor=reader, action="read.concern", outcome="ok", now=now
    )


def deliver_due(services: Services) -> int:
    """The daily batch: yesterday's (and older) anonymous concerns, one DM per contact."""
    now = services.clock.now()
    sent = 0
    with services.db.transaction() as session:
        due = store.due_concerns(session, now.date().isoformat())
        by_programme: dict[int, list[PendingConcern]] = {}
        for row in due:
            by_programme.setdefault(row.programme_id, []).append(row)
        for programme_id, rows in by_programme.items():
            programme = pairing_store.programme(session, programme_id)
            found = contacts(session, programme_id)
            if programme is None or not found.valid:
                continue  # kept until a valid contact exists
            message = _message([r.body for r in rows], "They chose to stay anonymous.")
            for contact in found.valid:
                outbox.send_dm(
                    session, team_id=programme.team_id, user_id=contact, text=message, now=now
                )
                _audit_read(session, programme.team_id, contact, now)
                sent += 1
            store.delete_concerns(session, [r.id for r in rows])
    return sent


def contacts_action(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    """``/ally admin concern-contacts NAME [list | leads | @a @b…]``."""
    if not args:
        raise AdminInputError(
            "Usage: `/ally admin concern-contacts PROGRAMME [list | leads | @person…]`."
        )
    members_store.ensure_workspace(session, actor.team_id, services.clock.now())
    programme = pairing_store.programme_by_name(session, actor.team_id, args[0].lower())
    if programme is None:
        raise AdminInputError(f"There's no programme called `{escape(args[0][:64])}`.")
    rest = list(args[1:])
    if rest and rest != ["list"]:
        if rest == ["leads"]:
            chosen: list[str] = []
        else:
            chosen = []
            for token in rest:
                user = parse_user_ref(token)
                if user is None:
                    raise AdminInputError("Mention each contact, e.g. @Sam.")
                chosen.append(user)
            involved = _involved(session, programme.id)
            refused = [f"{mention(u)} {involved[u]}" for u in chosen if u in involved]
            if refused:
                raise AdminInputError(
                    "Concern contacts must not be involved in the programme: "
                    + "; ".join(refused)
                    + ". Nothing was changed."
                )
        store.set_concern_contacts(session, programme.id, chosen)
    found = contacts(session, programme.id)
    lines = [
        f"Concerns for *{escape(programme.name)}* go to: "
        + (
            ", ".join(mention(u) for u in found.valid)
            or "nobody (reporters are sent to admins or HR)"
        )
    ]
    lines += [f"Not sent to {mention(u)}: {why}." for u, why in found.invalid]
    return "\n".join(lines)


CONTACTS_ACTION = AdminAction(
    "concern-contacts",
    Permission.ADMIN,
    "/ally admin concern-contacts PROGRAMME [list | leads | @person…]",
    "who receives a programme's concerns (never anyone involved in it)",
    run=contacts_action,
)
