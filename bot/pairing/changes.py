"""When a pairing changes after its introduction: no one is left at a dead end.

An admin removing, adding or swapping a pair, or someone pausing, leaving or
asking to be forgotten, changes pairings other people are waiting on. Every such
change, in the transaction that makes it:

- tells each person it affects, kindly and without blame, through the outbox. A
  partner who paused or left "isn't able to continue this round": never who, never
  why;
- rewrites the old introduction with ``chat.update`` (see :mod:`bot.pairing.intros`)
  so its buttons go and it says the pairing ended;
- leaves a trace (the pair's status, a :class:`~storage.pairing_models.PairDeparture`)
  so old buttons answer what happened instead of "not yours", and record nothing;
- puts whoever is left without a buddy first in line next round (a sit-out entry,
  which the engine reads as "goes first").

Only the current round (the latest of each programme) is touched by departures:
older pairings are over anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.admin import AdminInputError
from bot.core.registry import Departure
from bot.core.services import Actor, Services
from bot.core.text import mention, plural
from bot.pairing.intros import kind_of, owe_intro, refresh_intro, retire_intro
from storage import members as members_store
from storage import pairing as store
from storage.models import Programme
from storage.pairing_models import Pair

ADMIN_ARRANGED = "The programme admins arranged this pairing for this round."
#: Why someone steps back: their own choice (paused, left, forgotten) or their Slack
#: account (deactivated, or now a guest where guests can't take part).
PAUSED_OR_LEFT = ("paused", "left", "forgotten", "deactivated", "guest")


def _names(user_ids: Sequence[str]) -> str:
    return " and ".join(mention(u) for u in user_ids) or "your buddy"


def _programme(session: Session, pair: Pair) -> Programme:
    programme = store.programme(session, pair.programme_id)
    assert programme is not None  # a pair's programme is its foreign key
    return programme


def _first_in_line(session: Session, pair: Pair, user_id: str, reason: str) -> None:
    """Whoever lost their buddy goes first next round (the engine favours sit-outs)."""
    store.add_sit_out(session, pair.round_id, user_id, "pair_changed", reason)


# -- admin changes ------------------------------------------------------------------


def _team_pair(session: Session, actor: Actor, pair_id: int) -> tuple[Programme, Pair]:
    pair = store.pair(session, pair_id)
    programme = store.programme(session, pair.programme_id) if pair else None
    if pair is None or programme is None or programme.team_id != actor.team_id:
        raise AdminInputError(f"There's no pair {pair_id} in this workspace.")
    return programme, pair


def remove_pair(services: Services, actor: Actor, pair_id: int) -> str:
    """Admin: take a pair out of its round; the people are told and paired again next round."""
    now = services.clock.now()
    with services.db.transaction() as session:
        programme, pair = _team_pair(session, actor, pair_id)
        if pair.status == "removed":
            raise AdminInputError(f"Pair {pair_id} was already removed; nothing changed.")
        was_active = pair.status == "active"
        pair.status, pair.ended_at = "removed", now
        people = [p.user_id for p in store.participants(session, pair_id)]
        if not was_active:
            return f"Pair {pair_id} removed from its round (it had already ended)."
        for user in people:
            others = [u for u in people if u != user]
            outbox.send_dm(
                session,
                team_id=programme.team_id,
                user_id=user,
                text=(
                    "The programme admins have changed this round's pairings, so your pairing "
                    f"with {_names(others)} has ended. There's nothing you need to do: you'll "
                    "be paired again next round."
                ),
                now=now,
                dedupe_key=f"pair-removed:{pair_id}:{user}",
            )
            _first_in_line(session, pair, user, "the programme admins changed your pairing")
        retire_intro(
            session,
            programme,
            pair,
            people,
            "This pairing has ended.",
            "The programme admins changed this round's pairings, so this introduction no "
            "longer applies. You'll each be paired again next round.",
            now,
        )
    return (
        f"Pair {pair_id} removed from its round. {plural(len(people), 'person', 'people')} told; "
        "they'll be paired again next round."
    )


def add_pair(services: Services, actor: Actor, users: Sequence[str]) -> str:
    """Admin: pair two active members in the current round of the default programme."""
    now = services.clock.now()
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        programme_id = members_store.default_programme_id(session, actor.team_id)
        programme = store.programme(session, programme_id)
        latest = store.latest_round_id(session, programme_id)
        if programme is None or latest is None:
            raise AdminInputError("There's no round yet: run one with `/ally admin pair run`.")
        roles: dict[str, str] = {}
        for m, _org in store.programme_members(session, programme_id):
            if m.user_id in users and m.status == "active":
                roles[m.user_id] = m.role
        if len(roles) != len(set(users)) or len(roles) != 2:
            raise AdminInputError("Both people must be active members of the programme.")
        pair = store.add_pair(
            session,
            round_id=latest,
            programme_id=programme_id,
            kind=kind_of(roles),
            roles=roles,
            now=now,
        )
        owe_intro(session, programme, pair, roles, now, note=ADMIN_ARRANGED)
    return f"Pair {pair.id} added: " + " and ".join(mention(u) for u in sorted(roles)) + "."


def swap(services: Services, actor: Actor, pair_id: int, leaving: str, joining: str) -> str:
    """Admin: replace one person in a pair.

    The person leaving is told; the old introduction says it no longer applies; the
    new group (with the person joining) gets its own introduction.
    """
    now = services.clock.now()
    with services.db.transaction() as session:
        programme, pair = _team_pair(session, actor, pair_id)
        if pair.status != "active":
            raise AdminInputError(f"Pair {pair_id} has ended, so there's nobody to swap.")
        people = {p.user_id: p for p in store.participants(session, pair_id)}
        if leaving not in people or joining in people:
            raise AdminInputError("The first person must be in the pair, the second must not.")
        member = members_store.get_member(session, actor.team_id, joining)
        if member is None or member.status != "active":
            raise AdminInputError("The person joining must be an active member.")
        staying = sorted(u for u in people if u != leaving)
        store.replace_participant(session, pair_id, leaving, joining, member.role)
        store.add_departure(session, pair_id, leaving, "swapped", now)
        store.clear_departure(session, pair_id, joining)
        outbox.send_dm(
            session,
            team_id=programme.team_id,
            user_id=leaving,
            text=(
                "The programme admins have changed this round's pairings, so you're no longer "
                f"paired with {_names(staying)}. There's nothing you need to do: you'll be "
                "paired again next round."
            ),
            now=now,
            dedupe_key=f"pair-swapped:{pair_id}:{leaving}:{now.isoformat()}",
        )
        retire_intro(
            session,
            programme,
            pair,
            [leaving, *staying],
            "This introduction no longer applies.",
            "The programme admins changed who is in this pairing. If you're still in it, "
            "your new introduction is in its own message.",
            now,
        )
        roles = {p.user_id: p.role for p in store.participants(session, pair_id)}
        pair.kind = kind_of(roles)
        owe_intro(session, programme, pair, roles, now, note=ADMIN_ARRANGED)
    return f"Pair {pair_id}: {mention(leaving)} swapped for {mention(joining)}; both told."


# -- departures ---------------------------------------------------------------------


def on_member_departed(session: Session, departure: Departure) -> None:
    """Registry hook: someone paused, left or is being forgotten (see module docstring)."""
    step_back(
        session,
        departure.team_id,
        departure.user_id,
        departure.reason,
        departure.now,
        programme_id=departure.programme_id,
    )


def step_back(
    session: Session,
    team_id: str,
    user_id: str,
    reason: str,
    now: datetime,
    *,
    programme_id: int | None = None,
    round_starting: bool = False,
) -> int:
    """Take the person out of their current pairs; how many pairs were affected.

    ``round_starting``: a new round is being made this instant (the automatic pause
    after ignored intros), so the others are not promised one "next round".
    """
    if reason not in PAUSED_OR_LEFT:
        raise ValueError(f"unknown departure reason {reason!r}")
    pairs = store.current_pairs_of(session, team_id, user_id, programme_id)
    for pair in pairs:
        _leave_pair(session, pair, user_id, reason, now, round_starting=round_starting)
    return len(pairs)


def _leave_pair(
    session: Session, pair: Pair, user_id: str, reason: str, now: datetime, *, round_starting: bool
) -> None:
    programme = _programme(session, pair)
    roles = {p.user_id: p.role for p in store.participants(session, pair.id)}
    others = sorted(u for u in roles if u != user_id)
    if reason != "forgotten":
        store.add_departure(session, pair.id, user_id, reason, now)
    if len(others) >= 2:
        # A peer group carries on without them.
        store.remove_participant(session, pair.id, user_id)
        remaining = {u: roles[u] for u in others}
        pair.kind = kind_of(remaining)
        for other in others:
            outbox.send_dm(
                session,
                team_id=programme.team_id,
                user_id=other,
                text=(
                    "One of your group isn't able to continue this round. The rest of you can "
                    "carry on as planned; nothing else changes."
                ),
                now=now,
                dedupe_key=f"pair-shrunk:{pair.id}:{other}:{now.isoformat()}",
            )
        refresh_intro(
            session,
            programme,
            pair,
            remaining,
            "One of the group isn't able to continue this round; the rest of you can carry on.",
            now,
        )
        return
    pair.status, pair.ended_at = "closed", now
    for other in others:
        if round_starting:
            text = (
                "Your buddy from the last round isn't able to continue, so that pairing has "
                "closed. That happens, and there's nothing you need to do."
            )
        elif reason == "deactivated":
            # Slack shows a deactivated account to everyone; saying so explains the silence.
            text = (
                "Your buddy's Slack account has been deactivated, so your pairing this round "
                "has closed. There's nothing you need to do: you'll be first in line for a new "
                "buddy in the next round."
            )
        else:
            text = (
                "Your buddy isn't able to continue this round, so your pairing has closed. That "
                "happens, and there's nothing you need to do: you'll be offered a new buddy "
                "next round, first in line."
            )
        outbox.send_dm(
            session,
            team_id=programme.team_id,
            user_id=other,
            text=text,
            now=now,
            dedupe_key=f"pair-closed:{pair.id}:{other}",
        )
        _first_in_line(session, pair, other, "your buddy wasn't able to continue")
    retire_intro(
        session,
        programme,
        pair,
        others,
        "This pairing has closed.",
        "Not everyone in it is able to continue this round, so there's nothing more to do "
        "here. Anyone still in the programme will be offered a new buddy next round.",
        now,
    )
