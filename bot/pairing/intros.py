"""A pair's introduction message: sent once, and changed when the pairing changes.

The introduction is a group DM with buttons. Each one is sent under a fresh
``ref`` (kept on the pair as ``intro_ref``), so that when the pairing is removed,
closed or changed the outbox can ``chat.update`` that very message: its buttons
go, and it says what happened, instead of sitting there as a dead end.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.pairing import meeting
from bot.pairing.views import ended_intro_blocks, intro_blocks, intro_text
from storage.models import Programme
from storage.pairing_models import Pair


def kind_of(roles: dict[str, str]) -> str:
    """A group with a colleague is a buddy pair; allies alone are peers."""
    return "buddy" if "colleague" in roles.values() else "peer"


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
    found = meeting.plan(session, programme.team_id, sorted(roles), now, scheduled=scheduled)
    times = meeting.blocks(found, len(roles))
    kind = kind_of(roles)
    outbox.send_group_dm(
        session,
        team_id=programme.team_id,
        user_ids=sorted(roles),
        text=intro_text(roles),
        blocks=[b.to_dict() for b in intro_blocks(pair.id, kind, roles, note, times)],
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
