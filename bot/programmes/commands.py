"""``/ally programmes``: the programmes a member can take part in, and joining them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.blocks import Reply, text_reply
from bot.core.registry import Departure
from bot.core.services import Actor, Services
from bot.core.text import escape
from bot.membership import accounts
from storage import members as members_store
from storage import pairing as store


def programmes_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    now = services.clock.now()
    joining = len(args) == 2 and args[0].lower() == "join"
    # Guests may join only programmes that allow them (Slack is asked before anything).
    account = accounts.lookup(services, actor.user_id) if joining else None
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None or member.status == "left":
            return text_reply("Join first with `/ally join ally` or `/ally join colleague`.")
        programmes = {p.name: p.id for p in store.programmes(session, actor.team_id)}
        mine = store.enrolled_programme_ids(session, member.id)
        if len(args) == 2 and args[0].lower() in ("join", "leave"):
            name = args[1].lower()
            shown = escape(name[:64])
            if name not in programmes:
                names = ", ".join(f"`{escape(n)}`" for n in sorted(programmes))
                return text_reply(
                    f"There's no programme called `{shown}`. Programmes here: {names}."
                )
            if args[0].lower() == "join":
                if account is not None:
                    accounts.check_can_join(session, account, actor.team_id, programmes[name])
                store_changed = members_store.enrol(session, programmes[name], member.id, now)
                return text_reply(
                    f"You're in *{shown}* now."
                    if store_changed
                    else f"You were already in *{shown}*."
                )
            if programmes[name] not in mine:
                return text_reply(f"You weren't in *{shown}*, so there was nothing to leave.")
            if len(mine) <= 1:
                return text_reply(
                    f"*{shown}* is your only programme. `/ally leave` leaves Allyship Buddies "
                    "entirely."
                )
            if store.unenrol(session, programmes[name], member.id):
                departure = Departure(
                    actor.team_id, actor.user_id, "left", now, programme_id=programmes[name]
                )
                for hook in services.registry.member_departed:
                    hook(session, departure)
            return text_reply(f"You've left *{shown}*.")
        lines = [
            f"• {escape(name)}{' (you are in it)' if pid in mine else ''}"
            for name, pid in sorted(programmes.items())
        ]
        return text_reply(
            "*Programmes*\n" + "\n".join(lines) + "\n`/ally programmes join NAME` to take part."
        )
