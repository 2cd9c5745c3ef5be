"""Programmes follow Slack accounts: deactivated accounts leave, guests stay only where a
programme allows them, bots never join.

Three ways allybot learns about an account, all applied by :func:`apply_accounts`:

* a ``user_change`` event, as soon as Slack sends it;
* the first look at a new member whose account could not be read when they joined
  (the ``refresh-timezones`` task);
* a daily reconciliation that walks ``users.list`` one page per tick, paced to its
  Tier 2 limit (:mod:`bot.core.paging`), for anything an event missed.

A deactivated account leaves every programme at once: its membership ends, the
capabilities that build on membership are told (``member_departed``: pairing ends
the current pairs and tells the buddies kindly), and every message still owed to
the person is cancelled. A member whose account becomes a guest is taken out of
programmes that do not allow guests and told why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core import outbox, paging
from bot.core.registry import Departure
from bot.core.services import Actor, Services
from bot.core.text import and_list, escape
from bot.membership import accounts
from bot.membership.accounts import Account
from bot.membership.members import Status
from storage import channels as channels_store
from storage import lifecycle as store
from storage import pairing as pairing_store
from storage.models import Member

log = logging.getLogger(__name__)

#: How often every member's account is checked against ``users.list``.
RECONCILE_EVERY = timedelta(days=1)
#: Finished sweeps are kept this long (they only say when the last one ran).
KEEP_SWEEPS = timedelta(days=14)
FIRST_LOOK_BATCH = 50

GUEST_REMOVED = (
    "Your Slack account is now a guest account, and {names} {verb} for full members of the "
    "workspace, so you're no longer in {it}. {rest}Your private journal stays yours. If you'd "
    "like to take part, ask a programme admin: they can open a programme to guest accounts."
)


def on_user_change(
    services: Services, actor: Actor, event: Mapping[str, object], event_id: str | None
) -> bool:
    """``user_change``: time zone, deactivation and guest status, straight from Slack."""
    account = accounts.from_slack(event.get("user"))
    if account is None:
        return False
    return apply_accounts(services, actor.team_id, [account]) > 0


def apply_accounts(services: Services, team_id: str, found: Sequence[Account]) -> int:
    """Apply what Slack says about these accounts to the members among them, in one
    transaction; returns how many members changed."""
    now = services.clock.now()
    changed = 0
    with services.db.transaction() as session:
        # users.list is the token's own workspace; never apply it to another one.
        by_id = {a.user_id: a for a in found if a.team_id in (None, team_id)}
        for member in store.members_by_user_ids(session, team_id, list(by_id)):
            changed += _apply(services, session, member, by_id[member.user_id], now)
    return changed


def _apply(
    services: Services, session: Session, member: Member, account: Account, now: datetime
) -> bool:
    if account.deleted or account.bot:
        return depart(services, session, member, now, "deactivated")
    moved = False
    if account.tz is not None and (account.tz, account.tz_offset or 0) != (
        member.tz,
        member.tz_offset_seconds,
    ):
        member.tz, member.tz_offset_seconds = account.tz, account.tz_offset or 0
        moved = True
    member.tz_refreshed_at = now
    if moved and member.status != Status.LEFT:
        for hook in services.registry.member_changed:
            hook(session, member, now)
    if account.guest:
        return _keep_guest_to_allowed(services, session, member, now) or moved
    return moved


def _departed(
    services: Services,
    session: Session,
    member: Member,
    now: datetime,
    why: str,
    programme_id: int | None = None,
) -> None:
    """Tell the capabilities that build on membership (pairing) the account took them out."""
    departure = Departure(member.team_id, member.user_id, why, now, programme_id)
    for hook in services.registry.member_departed:
        hook(session, departure)


def depart(services: Services, session: Session, member: Member, now: datetime, why: str) -> bool:
    """The account is gone: leave every programme, tell the capabilities, cancel what's owed.

    Idempotent: a second call for someone already out changes nothing.
    """
    left = store.unenrol_all(session, member.id)
    if not left and member.status == Status.LEFT:
        return False
    member.status, member.left_at, member.paused_until = Status.LEFT, now, None
    _departed(services, session, member, now, why)
    cancelled = store.cancel_pending_for(session, member.team_id, member.user_id)
    channels_store.withdraw_all_for_user(session, member.team_id, member.user_id, now)
    log.info(
        "a member departed (%s): out of %d programmes, %d pending messages cancelled",
        why,
        len(left),
        cancelled,
    )
    return True


def _keep_guest_to_allowed(
    services: Services, session: Session, member: Member, now: datetime
) -> bool:
    if member.status == Status.LEFT:
        return False
    enrolled = pairing_store.enrolled_programme_ids(session, member.id)
    barred = sorted(p for p in enrolled if not channels_store.guests_allowed(session, p))
    if not barred:
        return False
    names = [f"*{escape(channels_store.programme_name(session, p))}*" for p in barred]
    if len(barred) == len(enrolled):
        depart(services, session, member, now, "guest")
    else:
        for programme_id in barred:
            pairing_store.unenrol(session, programme_id, member.id)
            _departed(services, session, member, now, "guest", programme_id)
    outbox.send_dm(
        session,
        team_id=member.team_id,
        user_id=member.user_id,
        text=GUEST_REMOVED.format(
            names=and_list(names),
            verb="are" if len(names) > 1 else "is",
            it="them" if len(names) > 1 else "it",
            rest=(
                "That was all of your programmes, so pairings and prompts have stopped. "
                if len(barred) == len(enrolled)
                else "Your other programmes carry on as before. "
            ),
        ),
        now=now,
        dedupe_key=f"guest-removed:{member.id}:{','.join(map(str, barred))}:{now.date()}",
    )
    return True


def refresh_missing_accounts(services: Services, limit: int = FIRST_LOOK_BATCH) -> int:
    """Scheduler task: read the accounts of members whose account was never read
    (Slack was unreachable when they joined): time zone, and whether they may stay."""
    with services.db.read() as session:
        pending = store.members_never_checked(session, limit)
    done = 0
    for team_id, user_id in pending:
        account = accounts.lookup(services, user_id)
        if account is not None:
            apply_accounts(services, team_id, [account])
            done += 1
    return done


def reconcile(services: Services) -> int:
    """Scheduler task: the daily ``users.list`` sweep, one page per tick per workspace.

    Returns how many members changed on this tick.
    """
    now = services.clock.now()
    with services.db.transaction() as session:
        channels_store.prune_sweeps(session, now - KEEP_SWEEPS)
        for team_id in store.teams_with_members(session):
            last = channels_store.latest_sweep(session, team_id, "users")
            if last is None or last.started_at <= now - RECONCILE_EVERY:
                channels_store.start_sweep(
                    session, team_id=team_id, kind="users", stage="users", now=now
                )
        due = [(s.id, s.team_id) for s in channels_store.due_sweeps(session, "users", now)]
    changed = 0
    for sweep_id, team_id in due:
        page = paging.fetch(services, sweep_id, "users.list", {}, "members")
        if page is None:
            continue
        found = [a for a in map(accounts.from_slack, page.items) if a is not None]
        changed += apply_accounts(services, team_id, found)
        with services.db.transaction() as session:
            sweep = channels_store.sweep(session, sweep_id)
            if sweep is not None and paging.advance(session, sweep, page, "users.list", now):
                sweep.stage, sweep.finished_at = "done", now
    return changed
