"""A pair's introduction message: sent once, and changed when the pairing changes.

The introduction is a group DM with buttons. Each one is sent under a fresh
``ref`` (kept on the pair as ``intro_ref``), so that when the pairing is removed,
closed or changed the outbox can ``chat.update`` that very message: its buttons
go, and it says what happened, instead of sitting there as a dead end.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.pairing.views import (
    ended_intro_blocks,
    intro_blocks,
    intro_payloads,
    intro_text,
    kind_of,
)
from storage.models import Programme
from storage.pairing_models import Pair

#: An introduction's text and blocks.
Payload = tuple[str, list[dict[str, Any]]]
__all__ = ["Payload", "kind_of", "owe_intro", "owed_intros", "refresh_intro", "retire_intro"]


def owe_intro(
    session: Session,
    programme: Programme,
    pair: Pair,
    roles: dict[str, str],
    now: datetime,
    *,
    key: str | None = None,
    note: str | None = None,
) -> None:
    """Owe a pair its group-DM introduction, and remember it as the pair's current one.

    Admin changes (add, swap) pass no key and get one naming the people and the
    moment, so a second introduction for the same pair is never mistaken for the
    first.
    """
    ref = f"intro:{pair.id}:{secrets.token_hex(6)}"
    outbox.send_group_dm(
        session,
        team_id=programme.team_id,
        user_ids=sorted(roles),
        text=intro_text(roles),
        blocks=[b.to_dict() for b in intro_blocks(pair.id, kind_of(roles), roles, note)],
        now=now,
        dedupe_key=key or f"intro:{pair.id}:{','.join(sorted(roles))}:{now.isoformat()}",
        ref=ref,
    )
    pair.intro_ref = ref


def owed_intros(
    pairs: Sequence[tuple[int, dict[str, str]]],
    render: Callable[[Sequence[tuple[int, dict[str, str]]]], list[Payload]] = intro_payloads,
) -> tuple[list[outbox.Owed], dict[int, str]]:
    """A round's introductions for new pairs ``(pair id, roles)``: the messages to owe
    at once (:func:`bot.core.outbox.send_many`) and each pair's intro ref. Keys and
    refs are those :func:`owe_intro` gives a round's pair. ``render`` makes the text
    and blocks (:func:`~bot.pairing.views.intro_payloads`, maybe in another process)."""
    messages: list[outbox.Owed] = []
    refs: dict[int, str] = {}
    for (pair_id, roles), (text, blocks) in zip(pairs, render(pairs), strict=True):
        refs[pair_id] = f"intro:{pair_id}:{secrets.token_hex(6)}"
        messages.append(
            outbox.Owed(
                kind="group_dm",
                user_ids=sorted(roles),
                text=text,
                blocks=blocks,
                dedupe_key=f"intro:{pair_id}",
                ref=refs[pair_id],
            )
        )
    return messages, refs


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
