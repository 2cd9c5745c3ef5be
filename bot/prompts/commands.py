"""``/ally reflect``, ``/ally journal``, ``/ally prompts``, ``/ally forget``, prompt
buttons, and ``/ally admin prompts``."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ConfirmObject
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.prompts import journal
from bot.prompts import service as prompts
from bot.core.admin import AdminInputError, admin_action
from bot.core.authz import Permission
from bot.core.commands import command
from bot.prompts.library import AUDIENCES, THEMES, LibraryError, Prompt
from bot.prompts.views import prompt_blocks
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.core.blocks import Reply, button, section, text_reply
from storage import prompts as store
from storage.prompt_models import PromptEntry


@command("reflect", "/ally reflect", "get your next reflection prompt now")
def _reflect(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    try:
        prompt, delivery_id = prompts.reflect_now(services, actor)
    except prompts.PromptError as exc:
        return text_reply(str(exc))
    return Reply(
        text=f"A reflection prompt: {prompt.text}", blocks=prompt_blocks(prompt, delivery_id)
    )


@command("journal", "/ally journal [page] | journal export", "your private reflections")
def _journal(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if args and args[0].lower() == "export":
        try:
            n = journal.export(services, actor)
        except journal.JournalError as exc:
            return text_reply(str(exc))
        return text_reply(f"On its way: I'll DM you a file with your {n} entries.")
    number = int(args[0]) if args and args[0].isdigit() and 0 < int(args[0]) < 10_000 else 1
    entries, pages = journal.page(services, actor, number)
    return text_reply(journal.render_page(entries, number, pages))


@command(
    "prompts",
    "/ally prompts [twice-a-week|weekly|fortnightly|off] [weekday] [HH:MM]",
    "when your reflection prompts arrive",
)
def _prompts(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    try:
        prefs = prompts.preferences(services, actor, args)
    except prompts.PromptError as exc:
        return text_reply(str(exc))
    when = (
        f"next one {prefs.next_due_at:%A %d %B, %H:%M} UTC"
        if prefs.next_due_at
        else "none scheduled"
    )
    return text_reply(
        f"Prompts: *{prefs.cadence.replace('_', ' ')}*, on {prefs.weekday.title()} at "
        f"{prefs.local_time} your time ({escape(prefs.tz)}), within working hours; {when}."
    )


FORGET_WARNING = (
    "This deletes everything allybot holds about you: your membership, journal, "
    "pairing history and rules, and messages waiting for you. Figures already shown to "
    "leads as anonymous totals stay as they are, with nothing linking them to you. "
    "It can't be undone."
)


@command("forget", "/ally forget", "delete all your personal data (asks to confirm)")
def _forget(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if args and args[0].lower() == "confirm":
        journal.forget(services, actor)
        return text_reply("Done: everything allybot held about you has been deleted.")
    confirm = ConfirmObject(
        title="Delete all your data?", text=FORGET_WARNING[:300], confirm="Delete", deny="Keep"
    )
    return Reply(
        text=FORGET_WARNING + " Type `/ally forget confirm` to go ahead.",
        blocks=[
            section(FORGET_WARNING),
            ActionsBlock(
                elements=[
                    button("Delete my data", "forget_confirm", style="danger", confirm=confirm)
                ]
            ),
            section("Or type `/ally forget confirm`."),
        ],
    )


def forget_button(services: Services, actor: Actor) -> Reply:
    return _forget(services, actor, ["confirm"])


def prompt_button(services: Services, actor: Actor, action_id: str, value: str) -> Reply:
    try:
        return text_reply(prompts.prompt_button(services, actor, action_id, value))
    except prompts.PromptError as exc:
        return text_reply(str(exc))


def reflect_form(services: Services, actor: Actor, value: str) -> View | Reply:
    try:
        return prompts.reflect_form(services, actor, value)
    except prompts.PromptError as exc:
        return text_reply(str(exc))


def reflection_submitted(
    services: Services, actor: Actor, metadata: str, text: str | None, key: str
) -> str | None:
    try:
        prompts.save_reflection(services, actor, metadata, text, key)
    except prompts.PromptError as exc:
        return str(exc)
    return None


def _entry(session: Session, team_id: str, prompt_id: str) -> PromptEntry:
    prompts.ensure_library(session, team_id)
    entry = store.prompt_entry(session, team_id, prompt_id)
    if entry is None:
        raise AdminInputError(f"There's no prompt `{escape(prompt_id[:64])}`.")
    return entry


@admin_action(
    "prompts",
    Permission.ADMIN,
    "/ally admin prompts list | enable ID | disable ID | move ID N | add THEME AUDIENCE TEXT"
    " | edit ID TEXT",
    "manage the reflection prompts",
)
def _admin_prompts(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    verb = args[0].lower() if args else "list"
    if verb == "list":
        prompts.ensure_library(session, actor.team_id)
        rows = store.library(session, actor.team_id)
        lines = [
            f"• `{r.prompt_id}` ({r.audience}{'' if r.enabled else ', disabled'}) "
            f"{escape(r.text[:80])}"
            for r in rows
        ]
        return f"*{len(rows)} prompts*\n" + "\n".join(lines[:60])
    if verb in ("enable", "disable") and len(args) == 2:
        entry = _entry(session, actor.team_id, args[1])
        entry.enabled = verb == "enable"
        return f"`{entry.prompt_id}` {verb}d."
    if verb == "move" and len(args) == 3 and args[2].isdigit():
        entry = _entry(session, actor.team_id, args[1])
        entry.position = max(1, int(args[2]))
        return f"`{entry.prompt_id}` is now number {entry.position} in {entry.theme}."
    if verb == "edit" and len(args) >= 3:
        entry = _entry(session, actor.team_id, args[1])
        text = clean(" ".join(args[2:]), 300)
        _validate(entry.prompt_id, entry.theme, entry.audience, text)
        entry.text = text
        return f"`{entry.prompt_id}` updated."
    if verb == "add" and len(args) >= 4:
        theme, audience, text = args[1].lower(), args[2].lower(), clean(" ".join(args[3:]), 300)
        prompts.ensure_library(session, actor.team_id)
        existing = [r for r in store.library(session, actor.team_id) if r.theme == theme]
        prompt_id = f"{theme}-custom-{len(existing) + 1:02d}"
        _validate(prompt_id, theme, audience, text)
        store.put_prompt(
            session,
            PromptEntry(
                team_id=actor.team_id,
                prompt_id=prompt_id,
                theme=theme,
                audience=audience,
                text=text,
                position=len(existing) + 1,
                content_note=None,
                enabled=True,
            ),
        )
        return f"Added `{prompt_id}`."
    raise AdminInputError(
        "Usage: `/ally admin prompts list`, `enable ID`, `disable ID`, `move ID N`, "
        f"`add THEME AUDIENCE TEXT` (themes: {', '.join(THEMES)}; audiences: "
        f"{', '.join(AUDIENCES)}), `edit ID TEXT`."
    )


def _validate(prompt_id: str, theme: str, audience: str, text: str) -> None:
    try:
        Prompt(id=prompt_id, theme=theme, audience=audience, text=text, order=1)
    except LibraryError as exc:
        raise AdminInputError(f"That prompt isn't valid: {escape(str(exc))}.") from None
