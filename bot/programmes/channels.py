"""Channel-linked programmes: a programme is a Slack channel people can join.

* An admin links a channel (``/ally admin programme set NAME channel=#name``, or the
  programme form). Once the bot is in the channel it posts one explanation there.
* Anyone who joins the channel gets a private invitation: join as an ally, as a
  colleague, or not now. Nobody is enrolled without choosing (colleagues always opt
  in themselves). Bots, deactivated accounts, guests (unless the programme says
  ``guests=yes``) and people from other organisations in a Slack Connect channel
  are never invited.
* Leaving the channel takes the person out of that programme's future rounds, and
  tells them how to come back.
* People already in the channel when it is linked are counted first
  (``conversations.members``, then ``users.list`` to leave out those who can't be
  invited), one page per scheduler tick, paced to each method's tier. The admin is
  told how many and asked to confirm before anyone is invited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import outbox
from bot.core.admin import AdminInputError
from bot.core.blocks import Reply, text_reply
from bot.core.errors import UserError
from bot.core.registry import ButtonResult
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.membership import accounts, members
from bot.membership.members import Role
from bot.programmes import channel_views as views
from storage import channels as store
from storage import members as members_store
from storage import pairing as pairing_store
from storage.lifecycle_models import ChannelInvitation, ProgrammeChannel
from storage.models import Programme

log = logging.getLogger(__name__)

#: The settings this module owns in ``/ally admin programme set NAME key=value``.
KEYS = ("channel", "guests")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{2,31})(?:\|([^>]{0,80}))?>$|^([CG][A-Z0-9]{2,31})$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
CLOSED = "This invitation is no longer open, so nothing was changed."
#: Held joins checked per scheduler tick (``users.info`` is Tier 4, 100+ a minute).
CHECKS_PER_TICK = 8


# -- settings ---------------------------------------------------------------------------------


def apply_setting(
    services: Services, session: Session, actor: Actor, programme: Programme, key: str, value: str
) -> str:
    """Set ``channel=`` or ``guests=``; returns a note for the admin's reply."""
    now = services.clock.now()
    row = store.link_or_new(session, programme)
    if key == "guests":
        if value.lower() not in ("yes", "no", "on", "off", "true", "false"):
            raise AdminInputError("`guests` must be yes or no.")
        row.guests = value.lower() in ("yes", "on", "true")
        return (
            "Guest accounts may now join it."
            if row.guests
            else "Guest accounts can't join it; guests already in it are taken out, and told "
            "why, when their account is next checked (daily)."
        )
    if value.lower() in ("none", "off", ""):
        if row.channel_id is None:
            return "It wasn't linked to a channel."
        _unlink(session, row, now)
        return "Unlinked from its channel; people already in the programme stay in it."
    match = _CHANNEL.match(value.strip())
    if match is None:
        raise AdminInputError(
            "I couldn't find that channel. Type `#` and pick it from Slack's list so it becomes "
            "a link, like `channel=#allyship`, or write `channel=none` to unlink."
        )
    channel_id = match.group(1) or match.group(3)
    other = store.link_for_channel(session, programme.team_id, channel_id)
    if other is not None and other.programme_id != programme.id:
        taken = store.programme_name(session, other.programme_id)
        raise AdminInputError(
            f"{views.channel_ref(channel_id)} is already linked to `{escape(taken)}`."
        )
    if row.channel_id == channel_id:
        return f"It was already linked to {views.channel_ref(channel_id)}."
    if row.channel_id is not None:
        _unlink(session, row, now)
    row.channel_id, row.linked_by, row.linked_at = channel_id, actor.user_id, now
    row.channel_name = clean(match.group(2) or "", 80) or None
    row.explained_at = None
    store.start_sweep(
        session,
        team_id=programme.team_id,
        kind="channel",
        stage="members",
        now=now,
        programme_id=programme.id,
        channel_id=channel_id,
        requested_by=actor.user_id,
    )
    ref = views.channel_ref(channel_id)
    return (
        f"Linked to {ref}. I'm counting who's in it now and will DM you how many people "
        "that is before anyone is invited. Invite me to the channel "
        "(`/invite @Allyship Buddies`) so I can post a short explanation there and welcome "
        "people who join later."
    )


def _unlink(session: Session, row: ProgrammeChannel, now: datetime) -> None:
    store.cancel_sweeps(session, row.programme_id, now)
    store.drop_proposed(session, row.programme_id)
    store.withdraw_pending(session, row.programme_id, now)
    row.channel_id = row.channel_name = None
    row.linked_at = row.explained_at = None


def describe(session: Session, programme: Programme) -> str:
    """The channel and guest settings, for ``/ally admin programme list``."""
    row = store.link(session, programme.id)
    channel = views.channel_ref(row.channel_id) if row and row.channel_id else "none"
    return f" Channel: {channel}; guests: {'yes' if row and row.guests else 'no'}."


# -- events -----------------------------------------------------------------------------------


def _ids(event: Mapping[str, object]) -> tuple[str, str] | None:
    channel, user = event.get("channel"), event.get("user")
    if not isinstance(channel, str) or not isinstance(user, str) or not USER_ID.match(user):
        return None
    if not re.fullmatch(r"[CG][A-Z0-9]{2,31}", channel):
        return None
    return channel, user


def on_member_joined(
    services: Services, actor: Actor, event: Mapping[str, object], event_id: str | None
) -> bool:
    """``member_joined_channel``: explain (the bot itself) or invite (a person)."""
    ids = _ids(event)
    if ids is None:
        return False
    channel, user = ids
    with services.db.read() as session:
        link = store.link_for_channel(session, actor.team_id, channel)
        programme_id = link.programme_id if link else None
    if programme_id is None:
        return False
    account = accounts.lookup(services, user)
    if account is not None and account.bot:
        return user == accounts.bot_user_id(services) and _bot_joined(
            services, actor.team_id, programme_id, event_id
        )
    with services.once(f"event:{event_id or 'none'}:joined:{channel}:{user}") as session:
        if session is None:
            return False
        link = store.link(session, programme_id)
        if link is None or link.channel_id != channel:
            return False
        if account is None:
            # Slack couldn't show the account (a burst of joins can exhaust users.info's
            # tier): keep the join and check it later (:func:`check_later`).
            return _hold(session, link, user, services.clock.now())
        if not _invitable(account, actor.team_id, link):
            return False
        return _invite(session, link, user, services.clock.now())


def _hold(session: Session, link: ProgrammeChannel, user: str, now: datetime) -> bool:
    row = store.invitation(session, link.programme_id, user)
    if row is None:
        store.add_invitation(session, link, user, "checking", now)
        return True
    if row.status in ("withdrawn", "joined"):
        row.status, row.created_at, row.answered_at = "checking", now, None
        return True
    return False


def check_later(services: Services, limit: int = CHECKS_PER_TICK) -> int:
    """Scheduler work: check a few held joins (``users.info``, Tier 4) and invite or drop.

    At most ``limit`` a tick keeps well inside the tier at the default 5-second tick.
    """
    with services.db.read() as session:
        held = [(r.id, r.user_id) for r in store.held(session, limit)]
    done = 0
    for invitation_id, user in held:
        account = accounts.lookup(services, user)
        if account is None:
            continue
        with services.db.transaction() as session:
            row = store.invitation_by_id(session, invitation_id)
            link = store.link(session, row.programme_id) if row is not None else None
            if row is None or row.status != "checking":
                continue
            if (
                link is None
                or link.channel_id is None
                or not _invitable(account, row.team_id, link)
            ):
                session.delete(row)
            else:
                _invite(session, link, user, services.clock.now())
            done += 1
    return done


def _invitable(account: accounts.Account, team_id: str, link: ProgrammeChannel) -> bool:
    return not (
        account.bot
        or account.deleted
        or account.external(team_id)
        or (account.guest and not link.guests)
    )


def _invite(session: Session, link: ProgrammeChannel, user: str, now: datetime) -> bool:
    """Owe one person an invitation, unless they are in, invited, or said not now."""
    member = members_store.get_member(session, link.team_id, user)
    role: str | None = None
    if member is not None and member.status != "left":
        if link.programme_id in pairing_store.enrolled_programme_ids(session, member.id):
            return False
        role = member.role
    row = store.invitation(session, link.programme_id, user)
    if row is None:
        row = store.add_invitation(session, link, user, "pending", now)
    elif row.status in ("pending", "declined"):
        return False  # one open invitation at a time; "not now" is respected
    else:
        row.status, row.created_at, row.answered_at = "pending", now, None
    owe_invitation(session, link, row, role, now)
    return True


def owe_invitation(
    session: Session,
    link: ProgrammeChannel,
    row: ChannelInvitation,
    role: str | None,
    now: datetime,
) -> None:
    name = store.programme_name(session, link.programme_id)
    outbox.send_dm(
        session,
        team_id=link.team_id,
        user_id=row.user_id,
        text=views.invitation_text(name),
        blocks=[b.to_dict() for b in views.invitation(name, link.channel_id or "", row.id, role)],
        now=now,
        dedupe_key=f"channel-invite:{row.id}:{now.isoformat()}",
    )


def _bot_joined(services: Services, team_id: str, programme_id: int, event_id: str | None) -> bool:
    """We were added to the linked channel: explain the programme there, once per link."""
    now = services.clock.now()
    with services.db.transaction() as session:
        link = store.link(session, programme_id)
        if link is None or link.channel_id is None:
            return False
        explained = explain(session, link, now)
        last = store.latest_sweep(session, team_id, "channel", programme_id)
        if last is not None and last.stage == "failed":
            # Counting failed because we weren't in a private channel: try again now.
            store.start_sweep(
                session,
                team_id=team_id,
                kind="channel",
                stage="members",
                now=now,
                programme_id=programme_id,
                channel_id=link.channel_id,
                requested_by=last.requested_by,
            )
        return explained


def explain(session: Session, link: ProgrammeChannel, now: datetime) -> bool:
    if link.explained_at is not None or link.channel_id is None:
        return False
    programme = pairing_store.programme(session, link.programme_id)
    if programme is None:
        return False
    link.explained_at = now
    outbox.send_dm(  # a post in the channel itself: chat.postMessage to its id
        session,
        team_id=link.team_id,
        user_id=link.channel_id,
        text=views.explanation_text(programme.name),
        blocks=[
            b.to_dict()
            for b in views.explanation(
                programme.name, link.channel_id, programme.cadence_weeks, link.guests
            )
        ],
        now=now,
        dedupe_key=f"channel-explained:{link.programme_id}:{link.channel_id}:{now.isoformat()}",
    )
    return True


def on_member_left(
    services: Services, actor: Actor, event: Mapping[str, object], event_id: str | None
) -> bool:
    """``member_left_channel``: out of the programme's future rounds, told how to return."""
    ids = _ids(event)
    if ids is None:
        return False
    channel, user = ids
    now = services.clock.now()
    with services.once(f"event:{event_id or 'none'}:left:{channel}:{user}") as session:
        if session is None:
            return False
        link = store.link_for_channel(session, actor.team_id, channel)
        if link is None:
            return False
        row = store.invitation(session, link.programme_id, user)
        if row is not None and row.status in ("pending", "proposed", "checking"):
            row.status, row.answered_at = "withdrawn", now
        member = members_store.get_member(session, actor.team_id, user)
        if member is None or not pairing_store.unenrol(session, link.programme_id, member.id):
            return False
        name = escape(store.programme_name(session, link.programme_id))
        outbox.send_dm(
            session,
            team_id=actor.team_id,
            user_id=user,
            text=(
                f"You've left {views.channel_ref(channel)}, so you won't be paired in future "
                f"rounds of *{name}*; anything already arranged with a current buddy can still go "
                f"ahead. To come back, rejoin {views.channel_ref(channel)} or type "
                f"`/ally programmes join {name}`."
            ),
            now=now,
            dedupe_key=f"channel-left:{link.programme_id}:{user}:{now.isoformat()}",
        )
        return True


# -- answering an invitation ------------------------------------------------------------------


def _open_invitation(session: Session, actor: Actor, value: str) -> ChannelInvitation:
    if not value.isdigit() or len(value) > 12:
        raise UserError(CLOSED)
    row = store.invitation_by_id(session, int(value))
    if row is None or row.user_id != actor.user_id or row.team_id != actor.team_id:
        raise UserError("That invitation isn't yours, so nothing was changed.")
    link = store.link(session, row.programme_id)
    if row.status == "joined":
        name = escape(store.programme_name(session, row.programme_id))
        raise UserError(f"You've already joined *{name}* from this invitation.")
    if row.status not in ("pending", "declined") or link is None or link.channel_id is None:
        raise UserError(CLOSED)
    return row


def accept(services: Services, actor: Actor, value: str, role: Role | None) -> Reply:
    """ "Join as ally/colleague" (``role``), or "Add NAME" for an existing member (None)."""
    with services.db.read() as session:
        row = _open_invitation(session, actor, value)
        programme_id, invitation_id = row.programme_id, row.id
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        current = Role(member.role) if member is not None and member.status != "left" else None
        name = store.programme_name(session, programme_id)
    chosen = current or role
    if chosen is None:
        raise UserError("Choose how you'd like to join: as an ally or as a colleague.")
    view, _added = members.join(services, actor, chosen, programme_id=programme_id)
    with services.db.transaction() as session:
        answered = store.invitation_by_id(session, invitation_id)
        if answered is not None:
            answered.status, answered.answered_at = "joined", services.clock.now()
    article = "an" if view.role is Role.ALLY else "a"
    return text_reply(
        f"You're in *{escape(name)}* as {article} {view.role}. I'll introduce you to a buddy "
        "at its next round. Leaving the channel (or `/ally programmes leave "
        f"{escape(name)}`) takes you out of its rounds; `/ally help` shows everything else."
    )


def decline(services: Services, actor: Actor, value: str) -> Reply:
    with services.db.transaction() as session:
        row = _open_invitation(session, actor, value)
        row.status, row.answered_at = "declined", services.clock.now()
        name = escape(store.programme_name(session, row.programme_id))
    return text_reply(
        "No problem, I won't ask again. If you change your mind, "
        f"`/ally programmes join {name}` (or `/ally join`) works any time."
    )


def join_ally(services: Services, actor: Actor, value: str) -> ButtonResult:
    return accept(services, actor, value, Role.ALLY)


def join_colleague(services: Services, actor: Actor, value: str) -> ButtonResult:
    return accept(services, actor, value, Role.COLLEAGUE)


def join_member(services: Services, actor: Actor, value: str) -> ButtonResult:
    return accept(services, actor, value, None)


def not_now(services: Services, actor: Actor, value: str) -> ButtonResult:
    return decline(services, actor, value)


def forget(session: Session, team_id: str, user_id: str) -> int:
    """Forget a person: their invitations, and their id on links and sweeps."""
    return store.forget_user(session, team_id, user_id)
