"""What members type and click about their pairings: check-ins, ending, never-lists."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.views import View

from bot.pairing import checkins
from bot.pairing.checkins import CheckinError
from bot.core.commands import command
from bot.pairing.views import checkin_modal
from bot.core.services import Actor, Services
from bot.core.text import escape, mention, parse_user_ref
from bot.core.blocks import Reply, text_reply
from storage import members as members_store
from storage import pairing as store

REPLIES = {
    "met": "Thanks! Glad you met. Anything you want to remember goes in the note.",
    "not_yet": "No problem. There's still time this round.",
    "wont": "Understood, thanks for letting me know. Nothing else is needed.",
}


def checkin_button(services: Services, actor: Actor, action_id: str, value: str) -> Reply:
    """A check-in button in an intro or a nudge ("Yes" opens a modal instead)."""
    answer = {
        "pair_met": "met",
        "pair_not_yet": "not_yet",
        "checkin_not_yet": "not_yet",
        "checkin_wont": "wont",
    }.get(action_id)
    try:
        pair_id = checkins.parse_pair_id(value)
        if action_id == "pair_end":
            ended = checkins.end_pairing(services, actor, pair_id)
            return text_reply(
                "This pairing has ended. The other person gets a neutral note; you'll be "
                "paired with someone new next round."
                if ended
                else "This pairing had already ended."
            )
        if answer is None:
            return text_reply("That button isn't one I know, so nothing was changed.")
        done = checkins.answer(services, actor, pair_id, answer)
    except CheckinError as exc:
        return text_reply(str(exc))
    return text_reply(REPLIES[done.answer])


def checkin_form(services: Services, actor: Actor, value: str) -> View | Reply:
    """ "Yes, we met": the modal asking how useful it was (only for one's own pair)."""
    try:
        pair_id = checkins.parse_pair_id(value)
        checkins.answer(services, actor, pair_id, "met")
    except CheckinError as exc:
        return text_reply(str(exc))
    return checkin_modal(pair_id)


def checkin_submitted(
    services: Services, actor: Actor, metadata: str, usefulness: str | None, note: str | None
) -> str | None:
    """The check-in modal; returns an error message for the form, or None when saved."""
    try:
        pair_id = checkins.parse_pair_id(metadata)
        score = int(usefulness) if usefulness and usefulness.isdigit() else None
        checkins.answer(services, actor, pair_id, "met", usefulness=score, note=note)
    except CheckinError as exc:
        return str(exc)
    return None


@command("checkin", "/ally checkin PAIR yes|not-yet|wont", "tell me whether you met your buddy")
def _checkin(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) != 2:
        return text_reply(
            "Usage: `/ally checkin PAIR yes|not-yet|wont` (the pair number is in your intro)."
        )
    try:
        done = checkins.answer(services, actor, checkins.parse_pair_id(args[0]), args[1].lower())
    except CheckinError as exc:
        return text_reply(str(exc))
    return text_reply(REPLIES[done.answer])


@command("end-pairing", "/ally end-pairing PAIR", "end your current pairing, privately")
def _end(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) != 1:
        return text_reply("Usage: `/ally end-pairing PAIR` (the pair number is in your intro).")
    return checkin_button(services, actor, "pair_end", args[0])


@command(
    "never",
    "/ally never @person | never remove @person | never list",
    "privately never be paired with someone",
)
def _never(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    now = services.clock.now()
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        programme_id = members_store.default_programme_id(session, actor.team_id)
        if len(args) == 1 and args[0].lower() == "list":
            rules = store.rules_of(session, programme_id, "personal", actor.user_id)
            if not rules:
                return text_reply("Your never-pair list is empty.")
            return text_reply(
                "*Never pair me with* (only you can see this)\n"
                + "\n".join(f"• {mention(r.other)}" for r in rules)
            )
        remove = len(args) == 2 and args[0].lower() == "remove"
        target = parse_user_ref(args[-1]) if len(args) in (1, 2) else None
        if target is None or target == actor.user_id or (len(args) == 2 and not remove):
            return text_reply(
                "Usage: `/ally never @person`, `/ally never remove @person`, `/ally never list`."
            )
        if remove:
            rule = next(
                (
                    r
                    for r in store.rules_of(session, programme_id, "personal", actor.user_id)
                    if r.other == target
                ),
                None,
            )
            if rule is not None:
                store.remove_rule(session, programme_id, rule.id, owner=actor.user_id)
            return text_reply(f"{mention(target)} is off your never-pair list.")
        store.add_rule(session, programme_id, "personal", actor.user_id, target, actor.user_id, now)
    return text_reply(
        f"Done: you won't be paired with {mention(target)}. Nobody else is told about this list."
    )


@command("programmes", "/ally programmes [join|leave NAME]", "the programmes you can take part in")
def _programmes(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    now = services.clock.now()
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        member = members_store.get_member(session, actor.team_id, actor.user_id)
        if member is None or member.status == "left":
            return text_reply("Join first with `/ally join ally` or `/ally join colleague`.")
        programmes = {p.name: p.id for p in store.programmes(session, actor.team_id)}
        mine = store.enrolled_programme_ids(session, member.id)
        if len(args) == 2 and args[0].lower() in ("join", "leave"):
            name = args[1].lower()
            if name not in programmes:
                return text_reply(
                    "There's no programme by that name. `/ally programmes` lists them."
                )
            if args[0].lower() == "join":
                store_changed = members_store.enrol(session, programmes[name], member.id, now)
                return text_reply("You're in." if store_changed else "You were already in it.")
            if len(mine) <= 1 and programmes[name] in mine:
                return text_reply("That's your only programme; `/ally leave` leaves entirely.")
            store.unenrol(session, programmes[name], member.id)
            return text_reply("You've left that programme.")
        lines = [
            f"• {escape(name)}{' (you are in it)' if pid in mine else ''}"
            for name, pid in sorted(programmes.items())
        ]
        return text_reply(
            "*Programmes*\n" + "\n".join(lines) + "\n`/ally programmes join NAME` to take part."
        )
