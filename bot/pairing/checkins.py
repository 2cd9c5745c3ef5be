"""After the introduction: "did you meet?", how it went, and ending a pairing.

Every action checks on the server that the person really is in the pair: the
pair id in a button's value is only a hint. A button on a pairing that has since
changed (removed by the admins, closed because someone stepped back, or with the
person swapped out) answers what happened and records nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import outbox, parse
from bot.core.calendar import add_working_days
from bot.core.errors import UserError
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.membership import hours as working_hours
from bot.pairing.views import nudge_blocks
from bot.reporting.anonymity import iso_week
from storage import pairing as store
from storage.pairing_models import Pair

log = logging.getLogger(__name__)

ANSWERS = {"met": "met", "yes": "met", "not_yet": "not_yet", "not-yet": "not_yet", "wont": "wont"}
NOTE_MAX = 1000


class CheckinError(UserError):
    """Shown to the person; nothing was changed."""


NOT_YOURS = "That pairing isn't one of yours, so nothing was changed."
CHANGED_BY_ADMINS = (
    "This pairing was changed by the programme admins; you'll be paired again next round."
)
#: What a button answers when the pairing no longer applies, by pair status.
STATUS_REPLIES = {
    "removed": CHANGED_BY_ADMINS,
    "closed": (
        "Your buddy isn't able to continue this round, so this pairing has closed and "
        "there's nothing to record. You'll be offered a new buddy next round."
    ),
}
#: ... and by why the person is no longer in it.
DEPARTURE_REPLIES = {
    "swapped": CHANGED_BY_ADMINS,
    "paused": (
        "You're paused, so this pairing has closed and there's nothing to record. "
        "`/ally resume` brings you back for the next round."
    ),
    "left": "You've stepped back from this pairing, so there's nothing to record.",
    "guest": (
        "Guest accounts can't take part in this programme, so this pairing has closed and "
        "there's nothing to record."
    ),
}


@dataclass(frozen=True)
class Answered:
    pair_id: int
    answer: str


def _own_pair(session: Session, actor: Actor, pair_id: int) -> Pair:
    """The person's pair, still going; otherwise a :class:`CheckinError` saying why not."""
    pair = store.pair(session, pair_id)
    programme = store.programme(session, pair.programme_id) if pair else None
    if pair is None or programme is None or programme.team_id != actor.team_id:
        raise CheckinError(NOT_YOURS)
    departure = store.departure(session, pair_id, actor.user_id)
    if departure is not None:
        raise CheckinError(DEPARTURE_REPLIES.get(departure.reason, CHANGED_BY_ADMINS))
    if store.participant(session, pair_id, actor.user_id) is None:
        raise CheckinError(NOT_YOURS)
    if pair.status in STATUS_REPLIES:
        raise CheckinError(STATUS_REPLIES[pair.status])
    return pair


def parse_pair_id(value: str) -> int:
    try:
        return parse.record_id(value, what="pairing")
    except parse.InvalidInput:
        raise CheckinError(
            f"`{escape(value[:20])}` isn't a pair number. The pair number is at the bottom of "
            "your introduction, like `/ally checkin 12 yes`."
        ) from None


def answer(
    services: Services,
    actor: Actor,
    pair_id: int,
    raw_answer: str,
    usefulness: int | None = None,
    note: str | None = None,
) -> Answered:
    """Record the person's answer for their pair (replacing an earlier one)."""
    kind = ANSWERS.get(raw_answer)
    if kind is None:
        raise CheckinError(
            f"`{escape(raw_answer[:20])}` isn't an answer I know: say yes, not-yet or wont."
        )
    if usefulness is not None and not 1 <= usefulness <= 5:
        raise CheckinError("Usefulness is from 1 to 5.")
    now = services.clock.now()
    with services.db.transaction() as session:
        pair = _own_pair(session, actor, pair_id)
        if pair.status != "active":
            raise CheckinError("That pairing has ended, so there's nothing to record.")
        earlier = store.outcome(session, pair_id, actor.user_id)
        if earlier is not None and earlier.week != iso_week(now):
            # Weekly figures shown to leads must never change once their week has
            # closed, or two summaries could be subtracted to reveal this answer.
            raise CheckinError(
                "You answered for this pairing in an earlier week, and that answer is final."
            )
        store.record_outcome(
            session,
            pair_id=pair_id,
            programme_id=pair.programme_id,
            user_id=actor.user_id,
            answer=kind,
            week=iso_week(now),
            usefulness=usefulness,
            note=clean(note, NOTE_MAX) or None if note else None,
        )
    return Answered(pair_id, kind)


def end_pairing(services: Services, actor: Actor, pair_id: int) -> bool:
    """End a pairing privately; the others get a neutral note. False if already ended."""
    now = services.clock.now()
    with services.db.transaction() as session:
        pair = _own_pair(session, actor, pair_id)
        if pair.status == "ended":
            return False
        pair.status, pair.ended_at = "ended", now
        others = [
            p.user_id for p in store.participants(session, pair_id) if p.user_id != actor.user_id
        ]
        programme = store.programme(session, pair.programme_id)
        assert programme is not None
        for other in others:
            store.add_rule(
                session, pair.programme_id, "ended", actor.user_id, other, actor.user_id, now
            )
            outbox.send_dm(
                session,
                team_id=programme.team_id,
                user_id=other,
                text=(
                    "Your current buddy pairing has come to an end. That happens, and it "
                    "needs no follow-up: you'll be paired with someone new next round."
                ),
                now=now,
                dedupe_key=f"ended:{pair_id}:{other}",
            )
        if store.outcome(session, pair_id, actor.user_id) is None:
            store.record_outcome(
                session,
                pair_id=pair_id,
                programme_id=pair.programme_id,
                user_id=actor.user_id,
                answer="wont",
                week=iso_week(now),
            )
    return True


def due_nudges(services: Services) -> int:
    """Scheduler task: one private "did you meet?" per person, after the check-in delay."""
    now = services.clock.now()
    sent = 0
    with services.db.transaction() as session:
        cutoffs: dict[int, datetime] = {}
        programmes = {p.id: p for p in store.programmes(session)}
        for programme in programmes.values():
            # Pairs created at or before this instant have waited the full delay.
            cutoffs[programme.id] = add_working_days(
                now, -programme.checkin_delay_days, programme.tz
            )
        for pair, person in store.due_nudges(session, cutoffs):
            others = [
                p.user_id
                for p in store.participants(session, pair.id)
                if p.user_id != person.user_id
            ]
            team_id = programmes[pair.programme_id].team_id
            outbox.send_dm(
                session,
                team_id=team_id,
                user_id=person.user_id,
                text="Did you manage to meet your allyship buddy this round?",
                blocks=[b.to_dict() for b in nudge_blocks(pair.id, others)],
                now=now,
                dedupe_key=f"nudge:{pair.id}:{person.user_id}",
                # Inside the person's own working hours (issue 13).
                not_before=working_hours.next_moment(session, team_id, person.user_id, now),
            )
            person.nudged_at = now
            sent += 1
    return sent
