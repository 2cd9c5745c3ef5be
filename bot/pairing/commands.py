"""What members type and click about their pairings: check-ins, ending, never-lists.

A :class:`~bot.core.errors.UserError` raised here (a pairing that isn't yours, a
bad pair number) becomes the reply in the surface that called, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.views import View

from bot.core import parse
from bot.core.blocks import Reply, text_reply
from bot.core.registry import FieldErrors, ViewInput
from bot.core.services import Actor, Services
from bot.core.text import mention, parse_user_ref, plural
from bot.pairing import checkins
from bot.pairing.views import checkin_modal
from storage import members as members_store
from storage import pairing as store

REPLIES = {
    "met": "Thanks! Glad you met. Anything you want to remember goes in the note.",
    "not_yet": "No problem. There's still time this round.",
    "wont": "Understood, thanks for letting me know. Nothing else is needed.",
}

#: Check-in buttons in an intro or a nudge, and the answer each records.
BUTTON_ANSWERS = {
    "pair_met": "met",
    "pair_not_yet": "not_yet",
    "checkin_not_yet": "not_yet",
    "checkin_wont": "wont",
}


def answer_button(action_id: str) -> Callable[[Services, Actor, str], Reply]:
    """The handler for one check-in button (its value is the pair id)."""
    answer = BUTTON_ANSWERS[action_id]

    def run(services: Services, actor: Actor, value: str) -> Reply:
        done = checkins.answer(services, actor, checkins.parse_pair_id(value), answer)
        return text_reply(REPLIES[done.answer])

    return run


def end_button(services: Services, actor: Actor, value: str) -> Reply:
    """ "End this pairing": private to the person who ends it."""
    ended = checkins.end_pairing(services, actor, checkins.parse_pair_id(value))
    return text_reply(
        "This pairing has ended. The other person gets a neutral note; you'll be "
        "paired with someone new next round."
        if ended
        else "This pairing had already ended."
    )


def checkin_form(services: Services, actor: Actor, value: str) -> View:
    """ "Yes, we met": the modal asking how useful it was (only for one's own pair)."""
    pair_id = checkins.parse_pair_id(value)
    checkins.answer(services, actor, pair_id, "met")
    return checkin_modal(pair_id)


def checkin_submitted(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    """The check-in modal: usefulness and a private note."""
    pair_id = checkins.parse_pair_id(form.private_metadata)
    usefulness = form.values.get("usefulness")
    score = parse.optional_number(usefulness, what="Usefulness", lo=1, hi=5)
    checkins.answer(services, actor, pair_id, "met", usefulness=score, note=form.values.get("note"))
    return None


def checkin(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) != 2:
        return text_reply(
            "Say which pairing and how it went, like `/ally checkin 12 yes` (or `not-yet`, "
            "`wont`). The pair number is at the bottom of your introduction."
        )
    done = checkins.answer(services, actor, checkins.parse_pair_id(args[0]), args[1].lower())
    return text_reply(REPLIES[done.answer])


def end_pairing(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) != 1:
        return text_reply(
            "Say which pairing, like `/ally end-pairing 12`. The pair number is at the bottom "
            "of your introduction."
        )
    return end_button(services, actor, args[0])


def never(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) == 1 and args[0].lower() != "list":
        target = parse_user_ref(args[0])
        if target is not None and target != actor.user_id:
            # Asked of Slack before the transaction: an unknown id is refused kindly.
            services.require_real_user(actor.team_id, target)
    now = services.clock.now()
    with services.db.transaction() as session:
        members_store.ensure_workspace(session, actor.team_id, now)
        programme_id = members_store.default_programme_id(session, actor.team_id)
        if len(args) == 1 and args[0].lower() == "list":
            rules = store.rules_of(session, programme_id, "personal", actor.user_id)
            if not rules:
                return text_reply("Your never-pair list is empty.")
            return text_reply(
                f"*Never pair me with* ({plural(len(rules), 'person', 'people')}; only you can "
                "see this list)\n" + "\n".join(f"• {mention(r.other)}" for r in rules)
            )
        remove = len(args) == 2 and args[0].lower() == "remove"
        target = parse_user_ref(args[-1]) if len(args) in (1, 2) else None
        if target is None or (len(args) == 2 and not remove):
            return text_reply(
                "Mention the person, like `/ally never @Sam`. Also: "
                "`/ally never remove @Sam`, `/ally never list`."
            )
        if target == actor.user_id:
            return text_reply(
                "You can't be paired with yourself, so you don't need to add yourself. "
                "Mention someone else, like `/ally never @Sam`."
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
            if rule is None:
                return text_reply(f"{mention(target)} wasn't on your never-pair list.")
            store.remove_rule(session, programme_id, rule.id, owner=actor.user_id)
            return text_reply(f"{mention(target)} is off your never-pair list.")
        added = store.add_rule(
            session, programme_id, "personal", actor.user_id, target, actor.user_id, now
        )
    if not added:
        return text_reply(f"{mention(target)} was already on your never-pair list.")
    return text_reply(
        f"Done: you won't be paired with {mention(target)}. Nobody else is told about this list."
    )
