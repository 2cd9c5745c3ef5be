"""The prompt library for admins: ``/ally admin prompts ...`` and the Home form.

Both go through :func:`bot.core.admin.perform`, so every change is checked and
audited; the form runs the same action as the typed command.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import admin, authz, parse
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.blocks import button, section
from bot.core.errors import UserError
from bot.core.registry import AdminAction, FieldErrors, HomeContext, ViewInput
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.prompts import service
from bot.prompts.library import AUDIENCES, THEMES, LibraryError, Prompt
from storage import prompts as store
from storage.prompt_models import PromptEntry


def _entry(session: Session, team_id: str, prompt_id: str) -> PromptEntry:
    service.ensure_library(session, team_id)
    entry = store.prompt_entry(session, team_id, prompt_id)
    if entry is None:
        raise AdminInputError(f"There's no prompt `{escape(prompt_id[:64])}`.")
    return entry


def _admin_prompts(services: Services, session: Session, actor: Actor, args: Sequence[str]) -> str:
    verb = args[0].lower() if args else "list"
    if verb == "list":
        service.ensure_library(session, actor.team_id)
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
    if verb == "move" and len(args) == 3:
        position = parse.whole_number(args[2], what="The new position", lo=1, hi=10_000)
        entry = _entry(session, actor.team_id, args[1])
        entry.position = position
        return f"`{entry.prompt_id}` is now number {entry.position} in {entry.theme}."
    if verb == "edit" and len(args) >= 3:
        entry = _entry(session, actor.team_id, args[1])
        text = clean(" ".join(args[2:]), 300)
        _validate(entry.prompt_id, entry.theme, entry.audience, text)
        entry.text = text
        return f"`{entry.prompt_id}` updated."
    if verb == "add" and len(args) >= 4:
        theme, audience, text = args[1].lower(), args[2].lower(), clean(" ".join(args[3:]), 300)
        service.ensure_library(session, actor.team_id)
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


PROMPT_FORM_FIELDS = (
    ("action", "Action: add, edit, enable, disable or move", False),
    ("prompt_id", "Prompt id (for edit, enable, disable, move)", True),
    ("theme", "Theme (for add)", True),
    ("audience", "Audience: allies, colleagues or everyone (for add)", True),
    ("text", "Text (add, edit) or new position (move)", True),
)


def admin_prompt_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if "admin" not in ctx.roles:
        return []
    return [
        section(
            "*Reflection prompts*\nAdd, edit, disable or reorder prompts. "
            "`/ally admin prompts list` shows the ids."
        ),
        ActionsBlock(
            block_id="prompt_tools", elements=[button("Manage prompts", "prompts_manage")]
        ),
    ]


def manage_button(services: Services, actor: Actor, value: str) -> View | None:
    """ "Manage prompts" on the Home: the form for admins, nothing for anyone else."""
    try:
        return prompt_form(services, actor)
    except UserError:
        return None


def prompt_form(services: Services, actor: Actor) -> View:
    """The admin's prompt form (admins only; raises :class:`authz.Denied`)."""
    authz.check(services, actor, Permission.ADMIN, "admin.prompts.form")
    return View(
        type="modal",
        callback_id="prompts_modal",
        title="Reflection prompts",
        submit="Apply",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=key,
                label=label,
                optional=optional,
                element=PlainTextInputElement(action_id="value", max_length=300),
            )
            for key, label, optional in PROMPT_FORM_FIELDS
        ],
    )


def save_prompt_form(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    """Run the form as ``/ally admin prompts ...`` (re-checked, audited)."""
    values = form.values
    action = (values.get("action") or "").strip().lower()
    pid, text = (values.get("prompt_id") or "").strip(), (values.get("text") or "").strip()
    theme, audience = (values.get("theme") or "").strip(), (values.get("audience") or "").strip()
    args = {
        "add": ["add", theme, audience, *text.split()],
        "edit": ["edit", pid, *text.split()],
        "enable": ["enable", pid],
        "disable": ["disable", pid],
        "move": ["move", pid, text],
    }.get(action)
    if args is None:
        return FieldErrors({"action": "Choose add, edit, enable, disable or move."})
    admin.perform(services, actor, "prompts", args)
    return None


ADMIN_ACTION = AdminAction(
    "prompts",
    Permission.ADMIN,
    "/ally admin prompts list | enable ID | disable ID | move ID N | add THEME AUDIENCE TEXT"
    " | edit ID TEXT",
    "manage the reflection prompts",
    run=_admin_prompts,
)
