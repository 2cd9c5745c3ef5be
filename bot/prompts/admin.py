"""The prompt library for admins: ``/ally admin prompts ...`` and the Home form.

Both go through :func:`bot.core.admin.perform`, so every change is checked and
audited; the form runs the same action as the typed command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    InputBlock,
    NumberInputElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import admin, authz, parse
from bot.core.admin import AdminInputError
from bot.core.authz import Permission
from bot.core.blocks import Reply, button, page_number, paged_reply, section, text_reply
from bot.core.errors import UserError
from bot.core.registry import AdminAction, FieldErrors, HomeContext, ViewInput
from bot.core.services import Actor, Services
from bot.core.text import clean, escape, plural
from bot.prompts import service
from bot.prompts.library import AUDIENCES, MAX_TEXT_LENGTH, THEMES, LibraryError, Prompt
from bot.prompts.views import THEME_LABELS
from storage import prompts as store
from storage.prompt_models import PromptEntry

#: Longest text accepted before validation, so "too long" reports the length typed.
TYPED_MAX = 10_000


def _entry(session: Session, team_id: str, prompt_id: str) -> PromptEntry:
    service.ensure_library(session, team_id)
    entry = store.prompt_entry(session, team_id, prompt_id)
    if entry is None:
        raise AdminInputError(f"There's no prompt `{escape(prompt_id[:64])}`.")
    return entry


#: Prompts on one page of ``/ally admin prompts list`` (each shown whole).
LIST_PAGE = 10


def _list(services: Services, session: Session, actor: Actor, page: int) -> Reply:
    service.ensure_library(session, actor.team_id)
    rows = store.library(session, actor.team_id)
    enabled = sum(r.enabled for r in rows)
    lines = [
        f"• `{r.prompt_id}` ({THEME_LABELS.get(r.theme, r.theme)}, for {r.audience}"
        f"{'' if r.enabled else ', turned off'}): {escape(r.text)}"
        for r in rows
    ]
    heading = f"*{plural(len(rows), 'prompt')}*, {enabled:,} turned on"
    return paged_reply(
        heading,
        lines,
        page,
        per_page=LIST_PAGE,
        action="prompts_list",
        command="/ally admin prompts list",
    )


def _admin_prompts(
    services: Services, session: Session, actor: Actor, args: Sequence[str]
) -> str | Reply:
    verb = args[0].lower() if args else "list"
    if verb == "list" and len(args) <= 2:
        return _list(services, session, actor, page_number(args[1] if len(args) == 2 else "1"))
    if verb in ("enable", "disable") and len(args) == 2:
        entry = _entry(session, actor.team_id, args[1])
        entry.enabled = verb == "enable"
        return f"`{entry.prompt_id}` is turned {'on' if entry.enabled else 'off'}."
    if verb == "move" and len(args) == 3:
        position = parse.whole_number(args[2], what="The new position", lo=1, hi=999)
        entry = _entry(session, actor.team_id, args[1])
        entry.position = position
        theme = THEME_LABELS.get(entry.theme, entry.theme)
        return f"`{entry.prompt_id}` is now number {entry.position} in {theme}."
    if verb == "edit" and len(args) >= 3:
        entry = _entry(session, actor.team_id, args[1])
        text = clean(" ".join(args[2:]), TYPED_MAX)
        _validate(entry.prompt_id, entry.theme, entry.audience, text)
        entry.text = text
        return f"`{entry.prompt_id}` now reads: {escape(text)}"
    if verb == "add" and len(args) >= 4:
        theme, audience, text = args[1].lower(), args[2].lower(), clean(" ".join(args[3:]), 10_000)
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
        return f"Added `{prompt_id}`, turned on. It reads: {escape(text)}"
    raise AdminInputError(
        "Usage: `/ally admin prompts list [page]`, `enable ID`, `disable ID`, `move ID N`, "
        f"`add THEME AUDIENCE TEXT` (themes: {', '.join(THEMES)}; audiences: "
        f"{', '.join(AUDIENCES)}), `edit ID TEXT`."
    )


def list_page_button(services: Services, actor: Actor, value: str) -> Reply:
    """Previous / Next under the prompt list: the same audited action, another page."""
    result = admin.perform(services, actor, "prompts", ["list", str(page_number(value))])
    return text_reply(result)


def _validate(prompt_id: str, theme: str, audience: str, text: str) -> None:
    try:
        Prompt(id=prompt_id, theme=theme, audience=audience, text=text, order=1)
    except LibraryError as exc:
        raise AdminInputError(f"That prompt isn't valid: {escape(str(exc))}.") from None


def admin_prompt_section(services: Services, actor: Actor, ctx: HomeContext) -> list[Block]:
    if "admin" not in ctx.roles:
        return []
    return [
        section(
            "*Reflection prompts*\nAdd, change, turn off or reorder prompts. "
            "`/ally admin prompts list` lists them all."
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


ACTIONS = {
    "add": "Add a new prompt",
    "edit": "Change a prompt's text",
    "enable": "Turn a prompt on",
    "disable": "Turn a prompt off",
    "move": "Move a prompt within its theme",
}
AUDIENCE_LABELS = {"allies": "Allies", "colleagues": "Colleagues", "everyone": "Everyone"}


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to fit ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return cut + "…"


def _options(labels: dict[str, str]) -> list[Option]:
    return [Option(text=label, value=value) for value, label in labels.items()]


def prompt_form(services: Services, actor: Actor) -> View:
    """The admin's prompt form (admins only; raises :class:`authz.Denied`).

    Choices are selects (the action, the prompt grouped by theme, theme, audience), so
    only the text and a position are typed.
    """
    authz.check(services, actor, Permission.ADMIN, "admin.prompts.form")
    with services.db.transaction() as session:
        service.ensure_library(session, actor.team_id)
        rows = [(r.theme, r.prompt_id, r.text) for r in store.library(session, actor.team_id)]
    groups = [
        OptionGroup(
            label=THEME_LABELS.get(theme, theme),
            options=[
                Option(text=_shorten(f"{pid}: {text}", 75), value=pid)
                for t, pid, text in rows
                if t == theme
            ][:100],
        )
        for theme in THEMES
        if any(t == theme for t, _, _ in rows)
    ]
    blocks = [
        InputBlock(
            block_id="action",
            label="What would you like to do?",
            element=StaticSelectElement(action_id="value", options=_options(ACTIONS)),
        ),
        InputBlock(
            block_id="prompt_id",
            label="Prompt",
            hint="To change, turn on or off, or move a prompt.",
            optional=True,
            element=StaticSelectElement(
                action_id="value", option_groups=groups, placeholder="Choose a prompt"
            ),
        ),
        InputBlock(
            block_id="theme",
            label="Theme",
            hint="For a new prompt.",
            optional=True,
            element=StaticSelectElement(
                action_id="value",
                options=[Option(text=THEME_LABELS.get(t, t), value=t) for t in THEMES],
            ),
        ),
        InputBlock(
            block_id="audience",
            label="Who it is for",
            hint="For a new prompt.",
            optional=True,
            element=StaticSelectElement(action_id="value", options=_options(AUDIENCE_LABELS)),
        ),
        InputBlock(
            block_id="text",
            label="Text",
            hint="For a new prompt, or a prompt's new text. Ask the reader to notice, listen "
            "or act; never ask a colleague to explain her experience.",
            optional=True,
            element=PlainTextInputElement(
                action_id="value", multiline=True, max_length=MAX_TEXT_LENGTH
            ),
        ),
        InputBlock(
            block_id="position",
            label="New position in its theme",
            hint="To move a prompt: 1 comes first.",
            optional=True,
            element=NumberInputElement(
                action_id="value", is_decimal_allowed=False, min_value=1, max_value=999
            ),
        ),
    ]
    if not groups:  # a select needs at least one option: no prompts, nothing to choose
        blocks.pop(1)
    return View(
        type="modal",
        callback_id="prompts_modal",
        title="Reflection prompts",
        submit="Apply",
        close="Cancel",
        blocks=blocks,
    )


def form_errors(
    services: Services, actor: Actor, values: Mapping[str, str | None]
) -> dict[str, str]:
    """What is missing or wrong, field by field, before anything is run."""
    action = values.get("action") or ""
    pid = (values.get("prompt_id") or "").strip()
    theme, audience = values.get("theme") or "", values.get("audience") or ""
    text = clean(values.get("text") or "", TYPED_MAX)
    position = (values.get("position") or "").strip()
    errors: dict[str, str] = {}
    if action not in ACTIONS:
        return {"action": "Choose what you'd like to do."}
    if action == "add":
        if theme not in THEMES:
            errors["theme"] = "Choose a theme for the new prompt."
        if audience not in AUDIENCES:
            errors["audience"] = "Choose who the new prompt is for."
    elif not pid:
        errors["prompt_id"] = "Choose the prompt to change."
    else:
        with services.db.read() as session:
            entry = store.prompt_entry(session, actor.team_id, pid)
            if entry is None:
                errors["prompt_id"] = "That prompt no longer exists; choose another."
            else:
                theme, audience = entry.theme, entry.audience
    if action in ("add", "edit") and not errors:
        try:
            Prompt(id=pid or "new", theme=theme, audience=audience, text=text, order=1)
        except LibraryError as exc:
            problem = str(exc)
            errors["text"] = (
                "Write the prompt's text." if not text else problem[:1].upper() + problem[1:] + "."
            )
    if action == "move" and not (position.isdigit() and 1 <= int(position) <= 999):
        errors["position"] = "Give the new position, a whole number from 1 to 999."
    return errors


def save_prompt_form(services: Services, actor: Actor, form: ViewInput) -> FieldErrors | None:
    """Check each field, then run the form as ``/ally admin prompts ...`` (re-checked,
    audited)."""
    authz.check(services, actor, Permission.ADMIN, "admin.prompts", "form")
    values = form.values
    errors = form_errors(services, actor, values)
    if errors:
        return FieldErrors(errors)
    action = values.get("action") or ""
    pid, text = (values.get("prompt_id") or "").strip(), (values.get("text") or "").strip()
    theme, audience = values.get("theme") or "", values.get("audience") or ""
    args = {
        "add": ["add", theme, audience, *text.split()],
        "edit": ["edit", pid, *text.split()],
        "enable": ["enable", pid],
        "disable": ["disable", pid],
        "move": ["move", pid, (values.get("position") or "").strip()],
    }[action]
    admin.perform(services, actor, "prompts", args)
    return None


ADMIN_ACTION = AdminAction(
    "prompts",
    Permission.ADMIN,
    "/ally admin prompts list [page] | enable ID | disable ID | move ID N | add THEME AUDIENCE TEXT"
    " | edit ID TEXT",
    "manage the reflection prompts",
    run=_admin_prompts,
)
