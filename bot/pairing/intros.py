"""A pair's introduction message: sent once, and changed when the pairing changes.

The introduction is a group DM with buttons. Each one is sent under a fresh
``ref`` (kept on the pair as ``intro_ref``), so that when the pairing is removed,
closed or changed the outbox can ``chat.update`` that very message: its buttons
go, and it says what happened, instead of sitting there as a dead end.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.hours import Person
from bot.membership import hours as working_hours
from bot.pairing import meeting
from bot.pairing.views import ended_intro_blocks, intro_blocks, intro_text, kind_of
from storage.models import Programme
from storage.pairing_models import Pair

#: A drafted introduction: its text, blocks, and when it goes out with which times.
Draft = tuple[str, list[dict[str, Any]], meeting.Meeting]
__all__ = [
    "Draft",
    "draft_intros",
    "kind_of",
    "owe_intro",
    "owed_intros",
    "refresh_intro",
    "retire_intro",
]


def owe_intro(
    session: Session,
    programme: Programme,
    pair: Pair,
    roles: dict[str, str],
    now: datetime,
    *,
    key: str | None = None,
    note: str | None = None,
    scheduled: bool = False,
) -> None:
    """Owe a pair its group-DM introduction (with suggested meeting times and their
    calendar file), and remember it as the pair's current one.

    Admin changes (add, swap) pass no key and get one naming the people and the
    moment, so a second introduction for the same pair is never mistaken for the
    first. A ``scheduled`` round's intro waits for the pair's shared working hours
    (:mod:`bot.pairing.meeting`).
    """
    ref = f"intro:{pair.id}:{secrets.token_hex(6)}"
    key = key or f"intro:{pair.id}:{','.join(sorted(roles))}:{now.isoformat()}"
    people = working_hours.people(session, programme.team_id, sorted(roles))
    [(text, blocks, found)] = draft_intros([(pair.id, roles)], people, now, scheduled, note)
    outbox.send_group_dm(
        session,
        team_id=programme.team_id,
        user_ids=sorted(roles),
        text=text,
        blocks=blocks,
        now=now,
        dedupe_key=key,
        ref=ref,
        not_before=found.deliver_at,
    )
    pair.intro_ref = ref
    meeting.owe_calendar_file(
        session,
        team_id=programme.team_id,
        pair_id=pair.id,
        user_ids=sorted(roles),
        meeting=found,
        now=now,
        key=f"{key}:ics",
    )


def draft_intros(
    pairs: Sequence[tuple[int, dict[str, str]]],
    people: Mapping[str, Person],
    now: datetime,
    scheduled: bool,
    note: str | None = None,
) -> list[Draft]:
    """Each pair's introduction: text, blocks, and when it goes out with which times.

    Plain data in and out (the people's zones and hours already read), so a large
    round's introductions are drafted in its worker process (:mod:`bot.pairing.planner`).
    """
    drafts: list[Draft] = []
    for pair_id, roles in pairs:
        found = meeting.schedule([people[u] for u in sorted(roles)], now, scheduled=scheduled)
        times = meeting.blocks(found, len(roles))
        blocks = intro_blocks(pair_id, kind_of(roles), roles, note, times)
        drafts.append((intro_text(roles), [b.to_dict() for b in blocks], found))
    return drafts


def owed_intros(
    pairs: Sequence[tuple[int, dict[str, str]]], drafts: Sequence[Draft], now: datetime
) -> tuple[dict[int, list[outbox.Owed]], dict[int, str]]:
    """A round's introductions for new pairs ``(pair id, roles)``, drafted by
    :func:`draft_intros`: the messages each pair is owed (the intro, then its calendar
    file) for :func:`bot.core.outbox.send_many`, and each pair's intro ref. Keys and
    refs are those :func:`owe_intro` gives a round's pair."""
    owed: dict[int, list[outbox.Owed]] = {}
    refs: dict[int, str] = {}
    for (pair_id, roles), (text, blocks, found) in zip(pairs, drafts, strict=True):
        refs[pair_id] = f"intro:{pair_id}:{secrets.token_hex(6)}"
        key = f"intro:{pair_id}"
        intro = outbox.Owed.message(
            "group_dm",
            sorted(roles),
            text,
            blocks,
            dedupe_key=key,
            ref=refs[pair_id],
            not_before=found.deliver_at,
        )
        calendar = meeting.calendar_file(found, pair_id, sorted(roles), now, f"{key}:ics")
        owed[pair_id] = [intro] if calendar is None else [intro, calendar]
    return owed, refs


def retire_intro(
    session: Session,
    programme: Programme,
    pair: Pair,
    readers: Sequence[str],
    headline: str,
    body: str,
    now: datetime,
) -> None:
    """Turn the pair's introduction into a short note of what happened (no buttons)."""
    if pair.intro_ref is None:  # introduced before introductions were remembered
        return
    outbox.update_message(
        session,
        team_id=programme.team_id,
        ref=pair.intro_ref,
        user_ids=readers,
        text=f"{headline} {body}",
        blocks=[b.to_dict() for b in ended_intro_blocks(headline, body)],
        now=now,
    )


def refresh_intro(
    session: Session,
    programme: Programme,
    pair: Pair,
    roles: dict[str, str],
    note: str,
    now: datetime,
) -> None:
    """Rewrite the introduction for the people still in the pair (buttons kept)."""
    if pair.intro_ref is None:
        return
    outbox.update_message(
        session,
        team_id=programme.team_id,
        ref=pair.intro_ref,
        user_ids=sorted(roles),
        text=intro_text(roles),
        blocks=[b.to_dict() for b in intro_blocks(pair.id, kind_of(roles), roles, note)],
        now=now,
    )
