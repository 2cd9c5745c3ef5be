"""``/ally reflect``, ``/ally journal``, ``/ally prompts``, and the prompt DM's buttons
and reflection form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from slack_sdk.models.views import View

from bot.core import parse
from bot.core.blocks import Reply, text_reply
from bot.core.registry import FieldErrors, ViewInput
from bot.core.services import Actor, Services
from bot.core.text import escape, local_time, plural
from bot.prompts import journal, service
from bot.prompts.schedule import Cadence, member_zone
from bot.prompts.views import prompt_blocks


def reflect(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    prompt, delivery_id = service.reflect_now(services, actor)
    return Reply(
        text=f"A reflection prompt: {prompt.text}", blocks=prompt_blocks(prompt, delivery_id)
    )


def is_export(args: Sequence[str]) -> bool:
    """``journal export`` reads a whole journal: acknowledged first, answered later."""
    return bool(args) and args[0].lower() == "export"


def journal_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if args and args[0].lower() == "export":
        n = journal.export(services, actor)
        return text_reply(
            f"On its way: I'll DM you a file with your {plural(n, 'entry', 'entries')}. "
            "Only you receive it."
        )
    number = parse.whole_number(args[0], what="The page", lo=1, hi=9_999) if args else 1
    entries, pages = journal.page(services, actor, number)
    return journal.render_page(entries, number, pages)


def rhythm_text(prefs: service.Preferences, now: datetime) -> str:
    """The member's prompt rhythm in one sentence, every time in their own zone."""
    if prefs.cadence == Cadence.OFF:
        return (
            "Your reflection prompts are *off*. `/ally prompts weekly` turns them back on, "
            "and `/ally reflect` gets you one now."
        )
    if prefs.next_due_at is None:
        when = "None is scheduled yet."
    elif prefs.next_due_at <= now:
        when = "The next one is on its way."
    else:
        when = f"The next one: {local_time(prefs.next_due_at, member_zone(prefs.tz))}."
    start = "starting on" if prefs.cadence == Cadence.TWICE_A_WEEK else "on"
    return (
        f"Your reflection prompts come *{service.CADENCE_TEXT[Cadence(prefs.cadence)]}*, "
        f"{start} {prefs.weekday.title()}s at {prefs.local_time} your time "
        f"({escape(prefs.tz)}), inside working hours. {when}"
    )


def prompts_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    prefs = service.preferences(services, actor, args)
    return text_reply(rhythm_text(prefs, services.clock.now()))


def prompt_button(action_id: str) -> Callable[[Services, Actor, str], Reply]:
    """Not now / Skip / Less often on a prompt DM (the value is the delivery id)."""

    def run(services: Services, actor: Actor, value: str) -> Reply:
        return text_reply(service.prompt_button(services, actor, action_id, value))

    return run


PROMPT_BUTTONS = ("prompt_not_now", "prompt_skip", "prompt_less_often")


def reflect_form(services: Services, actor: Actor, value: str) -> View:
    return service.reflect_form(services, actor, value)


def reflection_submitted(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    service.save_reflection(
        services, actor, form.private_metadata, form.values.get("reflection"), form.key
    )
    return None
