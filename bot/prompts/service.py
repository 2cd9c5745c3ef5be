"""Reflection prompts: each member's rhythm, delivery through the outbox, and the
buttons on a prompt.

What to send next comes from :mod:`bot.rotation`; when, from
:mod:`bot.prompt_schedule` (the member's own time zone and working hours). The
database keeps each member's ``next_due_at``, so a tick is one indexed query and
a restart simply catches up, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import outbox, parse
from bot.core.calendar import parse_local_time
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.membership import hours as working_hours
from bot.prompts import journal
from bot.prompts.library import Prompt, load_default_library, prompts_for_audience
from bot.prompts.rotation import next_prompt
from bot.prompts.schedule import Cadence, WorkingHours, next_due, snooze_until
from bot.prompts.views import REFLECTION_MAX, prompt_blocks, reflect_modal
from bot.reporting.anonymity import iso_week
from storage import members as members_store
from storage import prompts as store
from storage.models import Member
from storage.prompt_models import PromptDelivery, PromptEntry, PromptSchedule

log = logging.getLogger(__name__)

BATCH = 500
LESS_OFTEN = {
    Cadence.TWICE_A_WEEK: Cadence.WEEKLY,
    Cadence.WEEKLY: Cadence.FORTNIGHTLY,
    Cadence.FORTNIGHTLY: Cadence.FORTNIGHTLY,
    Cadence.OFF: Cadence.OFF,
}


class PromptError(UserError):
    """Shown to the person; nothing changed."""


def ensure_library(session: Session, team_id: str) -> None:
    """Seed a workspace's library from the shipped prompts, once."""
    if store.library_size(session, team_id):
        return
    save_prompts(session, team_id, load_default_library())


def save_prompts(session: Session, team_id: str, prompts: Sequence[Prompt]) -> None:
    """Add or replace prompts in a workspace's library (by id)."""
    for p in prompts:
        store.put_prompt(
            session,
            PromptEntry(
                team_id=team_id,
                prompt_id=p.id,
                theme=p.theme,
                audience=p.audience,
                text=p.text,
                position=p.order,
                content_note=p.content_note,
                enabled=p.enabled,
            ),
        )
    session.flush()


def library(session: Session, team_id: str) -> list[Prompt]:
    ensure_library(session, team_id)
    return [
        Prompt(
            id=e.prompt_id,
            theme=e.theme,
            audience=e.audience,
            text=e.text,
            order=e.position,
            content_note=e.content_note,
            enabled=e.enabled,
        )
        for e in store.library(session, team_id)
    ]


def _next_due(
    session: Session,
    member: Member,
    sched: PromptSchedule,
    after: datetime,
    hours: WorkingHours | None = None,
) -> datetime | None:
    """When the member's next prompt is due, inside their own working hours."""
    return next_due(
        tz=member.tz,
        cadence=Cadence(sched.cadence),
        weekday=sched.weekday,
        local_time=parse_local_time(sched.local_time),
        last_sent_at=sched.last_sent_at,
        after=after,
        working_hours=hours or working_hours.of(session, member),
    )


def on_member_changed(session: Session, member: Member, now: datetime) -> None:
    """Membership hook: create or re-time the member's schedule (join, resume, tz)."""
    sched = store.schedule(session, member.id)
    if sched is None:
        sched = store.add_schedule(
            session,
            PromptSchedule(member_id=member.id, cadence="weekly", weekday=1, local_time="10:00"),
        )
    sched.next_due_at = _next_due(session, member, sched, now)


def _send(
    session: Session, member: Member, candidates: Sequence[Prompt], now: datetime, key: str
) -> PromptDelivery | None:
    prompt = next_prompt(candidates, store.sent_history(session, member.id))
    if prompt is None:
        return None
    programme_id = members_store.default_programme_id(session, member.team_id)
    delivery = store.add_delivery(
        session,
        PromptDelivery(
            member_id=member.id,
            programme_id=programme_id,
            prompt_id=prompt.id,
            sent_at=now,
            status="sent",
            week=iso_week(now),
        ),
    )
    outbox.send_dm(
        session,
        team_id=member.team_id,
        user_id=member.user_id,
        text=f"A reflection prompt: {prompt.text}",
        blocks=[b.to_dict() for b in prompt_blocks(prompt, delivery.id)],
        now=now,
        dedupe_key=key,
    )
    return delivery


def deliver_due(services: Services) -> int:
    """Scheduler task: owe every member whose prompt is due exactly one prompt."""
    now = services.clock.now()
    sent = 0
    libraries: dict[tuple[str, str], list[Prompt]] = {}
    while True:
        with services.db.transaction() as session:
            due = store.due(session, now, BATCH)
            hours = working_hours.of_many(session, [member for member, _ in due])
            for member, sched in due:
                key = (member.team_id, member.role)
                if key not in libraries:
                    libraries[key] = prompts_for_audience(
                        library(session, member.team_id), member.role
                    )
                slot = sched.next_due_at
                assert slot is not None
                if _send(
                    session, member, libraries[key], now, f"prompt:{member.id}:{slot.isoformat()}"
                ):
                    sent += 1
                sched.last_sent_at = now
                sched.next_due_at = _next_due(
                    session, member, sched, now + timedelta(minutes=1), hours[member.id]
                )
        if len(due) < BATCH:
            return sent


def _own_delivery(
    session: Session, actor: Actor, delivery_id: int
) -> tuple[Member, PromptDelivery]:
    member = members_store.get_member(session, actor.team_id, actor.user_id)
    delivery = store.delivery(session, delivery_id)
    if member is None or delivery is None or delivery.member_id != member.id:
        raise PromptError("That prompt isn't one of yours, so nothing was changed.")
    return member, delivery


def parse_delivery_id(value: str) -> int:
    return parse.record_id(value, what="prompt")


def reflect_form(services: Services, actor: Actor, value: str) -> View:
    with services.db.read() as session:
        _member, delivery = _own_delivery(session, actor, parse_delivery_id(value))
        entry = store.prompt_entry(session, actor.team_id, delivery.prompt_id)
        text = entry.text if entry else "Your reflection"
    return reflect_modal(text, delivery.id)


def save_reflection(
    services: Services, actor: Actor, metadata: str, text: str | None, key: str
) -> None:
    """Store a reflection once per submission (``key``: the view id and hash)."""
    body = clean(text or "", REFLECTION_MAX)
    if not body:
        raise PromptError("Write a few words, or close the form to skip.")
    with services.once(key) as session:
        if session is None:
            return
        member, delivery = _own_delivery(session, actor, parse_delivery_id(metadata))
        entry = store.prompt_entry(session, actor.team_id, delivery.prompt_id)
        journal.write(
            services,
            session,
            member,
            delivery.prompt_id,
            entry.text if entry else "",
            body,
            services.clock.now(),
        )
        delivery.status = "answered"


def prompt_button(services: Services, actor: Actor, action_id: str, value: str) -> str:
    """Not now / Skip / Less often; returns the private reply."""
    now = services.clock.now()
    with services.db.transaction() as session:
        member, delivery = _own_delivery(session, actor, parse_delivery_id(value))
        sched = store.schedule(session, member.id)
        if action_id == "prompt_skip":
            delivery.status = "skipped"
            return "Skipped. The next one comes at your usual time."
        if sched is None:
            raise PromptError("You have no prompt schedule; `/ally prompts weekly` sets one.")
        if action_id == "prompt_not_now":
            delivery.status = "skipped"
            sched.next_due_at = snooze_until(now, member.tz, working_hours.of(session, member))
            return "No problem: I'll send a prompt again tomorrow, in your working hours."
        if action_id == "prompt_less_often":
            before = Cadence(sched.cadence)
            sched.cadence = LESS_OFTEN[before]
            sched.next_due_at = _next_due(session, member, sched, now)
            if sched.cadence == Cadence.FORTNIGHTLY and before == Cadence.FORTNIGHTLY:
                return (
                    "Prompts already come every 2 weeks, the least often there is. "
                    "`/ally prompts off` stops them."
                )
            return f"Done: prompts now come {CADENCE_TEXT[Cadence(sched.cadence)]}."
    raise PromptError("That button isn't one I know, so nothing was changed.")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
#: How each cadence reads in a sentence ("prompts come every week").
CADENCE_TEXT = {
    Cadence.TWICE_A_WEEK: "twice a week",
    Cadence.WEEKLY: "every week",
    Cadence.FORTNIGHTLY: "every 2 weeks",
    Cadence.OFF: "never (they're off)",
}
USAGE = (
    "For example `/ally prompts weekly tuesday 10:00`; the choices are `twice-a-week`, "
    "`weekly`, `fortnightly` or `off`, a weekday and a time."
)


def _working_time(word: str, hours: WorkingHours) -> str:
    """A typed ``HH:MM`` inside the member's working hours, or an error saying what was wrong."""
    try:
        at = parse_local_time(word)
    except ValueError:
        raise PromptError(f"I don't understand `{escape(word[:20])}`. {USAGE}") from None
    if not hours.start <= at < hours.end:
        raise PromptError(
            f"`{escape(word[:20])}` is outside working hours ({hours.start:%H:%M} to "
            f"{hours.end:%H:%M} your time), when prompts never arrive. Pick a time like 10:00."
        )
    return f"{at.hour:02d}:{at.minute:02d}"


CADENCE_WORDS = {
    "twice-a-week": Cadence.TWICE_A_WEEK,
    "weekly": Cadence.WEEKLY,
    "fortnightly": Cadence.FORTNIGHTLY,
    "every-2-weeks": Cadence.FORTNIGHTLY,
    "off": Cadence.OFF,
}


@dataclass(frozen=True)
class Preferences:
    cadence: str
    weekday: str
    local_time: str
    next_due_at: datetime | None
    tz: str


def preferences(services: Services, actor: Actor, words: Sequence[str] = ()) -> Preferences:
    """Show, or change, the member's prompt rhythm: cadence, weekday, local time."""
    now = services.clock.now()
    with services.db.transaction() as session:
        member = members_store.get_member_for_update(session, actor.team_id, actor.user_id)
        if member is None or member.status == "left":
            raise PromptError("Join first with `/ally join ally` or `/ally join colleague`.")
        sched = store.schedule(session, member.id)
        if sched is None:
            on_member_changed(session, member, now)
            sched = store.schedule(session, member.id)
            assert sched is not None
        for word in (w.lower() for w in words):
            if word in CADENCE_WORDS:
                sched.cadence = CADENCE_WORDS[word]
            elif word[:3] in [d[:3] for d in WEEKDAYS]:
                sched.weekday = [d[:3] for d in WEEKDAYS].index(word[:3])
            elif word[:3] in ("sat", "sun"):
                raise PromptError(
                    f"Prompts come on working days, so `{escape(word[:20])}` isn't one I can "
                    "use: pick Monday to Friday, like `/ally prompts weekly friday 10:00`."
                )
            else:
                sched.local_time = _working_time(word, working_hours.of(session, member))
        if words:
            sched.next_due_at = _next_due(session, member, sched, now)
        return Preferences(
            sched.cadence,
            WEEKDAYS[sched.weekday] if sched.weekday < 5 else "?",
            sched.local_time,
            sched.next_due_at,
            member.tz,
        )


def reflect_now(services: Services, actor: Actor) -> tuple[Prompt, int]:
    """``/ally reflect``: the next prompt straight away (answered in place)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None or member.status == "left":
            raise PromptError("Join first with `/ally join ally` or `/ally join colleague`.")
        candidates = prompts_for_audience(library(session, actor.team_id), member.role)
        prompt = next_prompt(candidates, store.sent_history(session, member.id))
        if prompt is None:
            raise PromptError("There are no prompts available right now.")
        delivery = store.add_delivery(
            session,
            PromptDelivery(
                member_id=member.id,
                programme_id=members_store.default_programme_id(session, actor.team_id),
                prompt_id=prompt.id,
                sent_at=now,
                status="sent",
                week=iso_week(now),
            ),
        )
        return prompt, delivery.id
