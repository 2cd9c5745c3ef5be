"""Counting the people already in a newly linked channel, then inviting them once an
admin confirms.

Linking a channel starts a sweep (:mod:`bot.core.paging`): ``conversations.members``
page by page (Tier 4) lists who is in it; those not in the programme and never
invited are *proposed*. Then ``users.list`` page by page (Tier 2) vouches for them:
bots, deactivated accounts and guests (unless the programme allows them) are
dropped, and whoever never appears is from another organisation (Slack Connect)
and dropped too. The admin who linked the channel then gets a DM with the count
and two buttons; only "Invite" (or ``/ally admin invite NAME confirm``) sends
anything to anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import admin, outbox, paging
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.blocks import text_reply
from bot.core.registry import AdminAction, ButtonResult
from bot.core.services import Actor, Services
from bot.core.text import escape, plural
from bot.membership import accounts
from bot.programmes import channel_views as views
from bot.programmes import channels
from storage import channels as store
from storage import members as members_store
from storage import pairing as pairing_store
from storage.lifecycle_models import ProgrammeChannel, SlackSweep


def seed_invitations(services: Services) -> int:
    """Scheduler task: one page of every due channel count, and a few joins held for an
    account check (:func:`~bot.programmes.channels.check_later`); returns the work done."""
    handled = channels.check_later(services)
    now = services.clock.now()
    with services.db.read() as session:
        due = [s.id for s in store.due_sweeps(session, "channel", now)]
    for sweep_id in due:
        with services.db.read() as session:
            sweep = store.sweep(session, sweep_id)
            if sweep is None:
                continue
            stage, channel = sweep.stage, sweep.channel_id or ""
            bot_known = bool((sweep.detail or {}).get("bot"))
        if stage == "members":
            if not bot_known:
                _remember_bot(services, sweep_id)
            page = paging.fetch(
                services, sweep_id, "conversations.members", {"channel": channel}, "members"
            )
        else:
            page = paging.fetch(services, sweep_id, "users.list", {}, "members")
        if page is not None:
            handled += 1
            with services.db.transaction() as session:
                row = store.sweep(session, sweep_id)
                if row is not None and row.stage == stage:
                    _handle_page(session, row, page, services.clock.now())
        _report_if_finished(services, sweep_id)
    return handled


def _remember_bot(services: Services, sweep_id: int) -> None:
    bot = accounts.bot_user_id(services)
    with services.db.transaction() as session:
        row = store.sweep(session, sweep_id)
        if row is not None and bot:
            row.detail = {**(row.detail or {}), "bot": bot}


def _handle_page(session: Session, sweep: SlackSweep, page: paging.Page, now: datetime) -> None:
    link = store.link(session, sweep.programme_id or 0)
    if link is None or link.channel_id != sweep.channel_id:
        sweep.stage, sweep.finished_at = "cancelled", now
        return
    detail = dict(sweep.detail or {})
    if sweep.stage == "members":
        ids = [u for u in page.items if isinstance(u, str) and channels.USER_ID.match(u)]
        if detail.get("bot") in ids:
            channels.explain(session, link, now)
        _propose(session, link, [u for u in ids if u != detail.get("bot")], now)
        method = "conversations.members"
    else:
        _check(session, link, page.items, detail)
        method = "users.list"
    sweep.detail = detail
    if not paging.advance(session, sweep, page, method, now):
        return
    if sweep.stage == "members":
        sweep.stage, sweep.cursor = "users", None
        return
    # Whoever users.list never showed is from another organisation. (A new dict: the
    # JSON column only notices assignment of a different object.)
    dropped = store.drop_proposed(session, link.programme_id, only_unchecked=True)
    sweep.detail = {**detail, "external": detail.get("external", 0) + dropped}
    sweep.stage, sweep.finished_at = "counted", now


def _propose(session: Session, link: ProgrammeChannel, ids: Sequence[str], now: datetime) -> None:
    """Channel members not in the programme and never invited become "proposed"."""
    known = store.existing_invitees(session, link.programme_id, ids)
    enrolled = {
        m.user_id
        for m, _o in pairing_store.programme_members(session, link.programme_id)
        if m.status != "left"
    }
    for user in ids:
        if user not in known and user not in enrolled:
            store.add_invitation(session, link, user, "proposed", now)


def _check(
    session: Session, link: ProgrammeChannel, users: Sequence[object], detail: dict[str, int]
) -> None:
    """Vouch for proposed people found in ``users.list``; drop those who can't be invited.

    Whoever never appears in the workspace's list is from another organisation.
    """
    found = {a.user_id: a for a in map(accounts.from_slack, users) if a is not None}
    for row in store.invitations(session, link.programme_id, "proposed", list(found)):
        account = found[row.user_id]
        reason = (
            "bots"
            if account.bot
            else "deactivated"
            if account.deleted
            else "external"
            if account.external(link.team_id)
            else "guests"
            if account.guest and not link.guests
            else None
        )
        if reason is None:
            row.checked = True
        else:
            detail[reason] = detail.get(reason, 0) + 1
            session.delete(row)
    session.flush()


def _report_if_finished(services: Services, sweep_id: int) -> None:
    """DM the admin who linked the channel: the count and the buttons, or why it failed."""
    now = services.clock.now()
    with services.db.transaction() as session:
        sweep = store.sweep(session, sweep_id)
        if sweep is None or sweep.stage not in ("counted", "failed") or sweep.requested_by is None:
            return
        detail = dict(sweep.detail or {})
        if detail.get("reported"):
            return
        sweep.detail = {**detail, "reported": 1}
        name = store.programme_name(session, sweep.programme_id or 0)
        channel = sweep.channel_id or ""
        if sweep.stage == "failed":
            text = (
                f"I couldn't see who's in {views.channel_ref(channel)}. If it's a private "
                "channel, invite me to it first (`/invite @Allyship Buddies`); I'll count again "
                f"as soon as I'm in. `/ally admin invite {escape(name)}` tries again by hand."
            )
            blocks = None
        else:
            count = store.count_invitations(session, sweep.programme_id or 0, "proposed")
            left_out = {k: v for k, v in detail.items() if isinstance(v, int)}
            made = views.count_blocks(name, channel, count, left_out)
            blocks = [b.to_dict() for b in made]
            text = f"{plural(count, 'person', 'people')} in the channel could be invited."
        outbox.send_dm(
            session,
            team_id=sweep.team_id,
            user_id=sweep.requested_by,
            text=text,
            blocks=blocks,
            now=now,
            dedupe_key=f"channel-count:{sweep.id}",
        )


def invite_action(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    """``/ally admin invite NAME [confirm|cancel]``: the count, inviting, or dropping it."""
    verb = args[1].lower() if len(args) == 2 else None
    if not args or len(args) > 2 or verb not in (None, "confirm", "cancel"):
        raise AdminInputError("Usage: `/ally admin invite NAME [confirm|cancel]`.")
    now = services.clock.now()
    members_store.ensure_workspace(session, actor.team_id, now)
    programme = pairing_store.programme_by_name(session, actor.team_id, args[0].lower())
    if programme is None:
        raise AdminInputError(f"There's no programme called `{escape(args[0][:64])}`.")
    link = store.link(session, programme.id)
    name = escape(programme.name)
    if link is None or link.channel_id is None:
        raise AdminInputError(
            f"`{name}` isn't linked to a channel. Link one with "
            f"`/ally admin programme set {name} channel=#channel`."
        )
    ref = views.channel_ref(link.channel_id)
    proposed = store.invitations(session, programme.id, "proposed")
    if verb == "cancel":
        dropped = store.drop_proposed(session, programme.id)
        return f"Dropped the list of {plural(dropped, 'person', 'people')}; nobody was invited."
    counting = store.latest_sweep(session, actor.team_id, "channel", programme.id)
    if counting is not None and counting.stage in store.ACTIVE_STAGES:
        return f"I'm still counting who's in {ref}; I'll DM you the number when I'm done."
    if verb == "confirm":
        checked = [row for row in proposed if row.checked]
        if not checked:  # a second click, or nothing was counted
            return (
                f"Nobody from {ref} is waiting to be invited (a list is invited once). "
                f"`/ally admin invite {name}` counts the channel again."
            )
        for row in checked:
            row.status, row.created_at = "pending", now
            member = members_store.get_member(session, actor.team_id, row.user_id)
            role = member.role if member is not None and member.status != "left" else None
            channels.owe_invitation(session, link, row, role, now)
        store.drop_proposed(session, programme.id)
        return (
            f"Invited {plural(len(checked), 'person', 'people')} from {ref}. Each gets a "
            "private DM; nobody is signed up without choosing."
        )
    if proposed:
        return (
            f"{plural(len(proposed), 'person', 'people')} in {ref} can be invited to *{name}*. "
            f"`/ally admin invite {name} confirm` sends each a private invitation; `cancel` "
            "drops the list."
        )
    store.start_sweep(
        session,
        team_id=actor.team_id,
        kind="channel",
        stage="members",
        now=now,
        programme_id=programme.id,
        channel_id=link.channel_id,
        requested_by=actor.user_id,
    )
    return f"Counting who's in {ref}; I'll DM you the number before anyone is invited."


INVITE_ACTION = AdminAction(
    "invite",
    Permission.ADMIN,
    "/ally admin invite NAME [confirm|cancel]",
    "invite the people already in a programme's linked channel (shows the count first)",
    run=invite_action,
)


def confirm_button(services: Services, actor: Actor, value: str) -> ButtonResult:
    return text_reply(admin.perform(services, actor, "invite", [value[:64], "confirm"]))


def cancel_button(services: Services, actor: Actor, value: str) -> ButtonResult:
    return text_reply(admin.perform(services, actor, "invite", [value[:64], "cancel"]))
