"""Wire reflection prompts into membership, the scheduler, summaries and the CLI."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core import admin
from bot.core import authz
from bot.membership import home
from bot.prompts import journal
from bot.membership import members as membership
from bot.prompts import commands as prompt_commands
from bot.prompts import service as prompts
from bot.core import scheduler
from bot.reporting import sources as summary_sources
from bot.core.authz import Permission
from bot.cli import EXTRA_COMMANDS
from bot.core.config import Settings
from bot.prompts.library import LibraryError, Prompt, dump_library, parse_library
from bot.core.services import Actor, Services
from bot.reporting.sources import WeekCell
from bot.core.blocks import button, section
from storage import members as members_store
from storage import prompts as store
from storage.db import Database

membership.MEMBER_CHANGED.append(prompts.on_member_changed)
scheduler.TASKS["prompts"] = prompts.deliver_due

HOME_CHOICES = (
    ("Twice a week", "twice-a-week"),
    ("Weekly", "weekly"),
    ("Fortnightly", "fortnightly"),
    ("Off", "off"),
)


def home_section(services: Services, actor: Actor) -> list[Block]:
    """The member's prompt rhythm on the App Home, with one-click changes."""
    try:
        prefs = prompts.preferences(services, actor)
    except prompts.PromptError:
        return []
    return [
        section(
            f"*Reflection prompts*: {prefs.cadence.replace('_', ' ')}, "
            f"{prefs.weekday.title()} at {prefs.local_time} your time. "
            "Day and time: `/ally prompts weekly thursday 14:00`."
        ),
        ActionsBlock(
            block_id="home_prompts",
            elements=[button(label, "home_prompts", value) for label, value in HOME_CHOICES],
        ),
    ]


home.MEMBER_SECTIONS.append(home_section)


def _home_prompts(services: Services, actor: Actor, value: str) -> None:
    """A Home rhythm button; an unknown value changes nothing."""
    if value in dict((v, k) for k, v in HOME_CHOICES):
        prompts.preferences(services, actor, [value])


home.ACTIONS["home_prompts"] = _home_prompts

__all__ = ["journal", "prompt_commands"]

METRICS = {"sent": "prompts_sent", "answered": "prompts_answered", "skipped": "prompts_skipped"}


def prompt_cells(
    session: Session, programme_id: int, start: datetime, end: datetime
) -> list[WeekCell]:
    """Counts only: how many prompts went out, were answered, were skipped."""
    per_week: dict[str, dict[str, int]] = {}
    for week, status, n in store.delivery_cells(session, programme_id, start, end):
        per_week.setdefault(week, {})[status] = n
    cells: list[WeekCell] = []
    for week, counts in per_week.items():
        total = sum(counts.values())
        cells.append(WeekCell(week, "prompts_sent", "all", total, total))
        for status in ("answered", "skipped"):
            n = counts.get(status, 0)
            cells.append(WeekCell(week, METRICS[status], "all", total, n))
    return cells


summary_sources.register("prompts", prompt_cells)


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["import", "export"])
    p.add_argument("file", nargs="?", type=Path, help="TOML file (export: default stdout)")
    p.add_argument("--team", required=True, help="Slack team id")


def _run(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.database_url)
    try:
        if args.action == "export":
            with db.transaction() as session:
                text = dump_library(prompts.library(session, args.team))
            if args.file:
                args.file.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        if args.file is None:
            print("allybot: name the TOML file to import", file=sys.stderr)
            return 2
        try:
            imported: list[Prompt] = parse_library(args.file.read_text(encoding="utf-8"))
        except (LibraryError, OSError) as exc:
            print(f"allybot: {exc}", file=sys.stderr)
            return 2
        with db.transaction() as session:
            prompts.ensure_library(session, args.team)
            prompts.save_prompts(session, args.team, imported)
            members_store.audit(
                session,
                team_id=args.team,
                actor="cli",
                action="cli.prompts.import",
                target=str(args.file)[:255],
                outcome="ok",
                now=datetime.now(UTC),
            )
        print(f"imported {len(imported)} prompts")
        return 0
    finally:
        db.dispose()


EXTRA_COMMANDS["prompts"] = ("import or export the reflection prompts (TOML)", _configure, _run)


PROMPT_FORM_FIELDS = (
    ("action", "Action: add, edit, enable, disable or move", False),
    ("prompt_id", "Prompt id (for edit, enable, disable, move)", True),
    ("theme", "Theme (for add)", True),
    ("audience", "Audience: allies, colleagues or everyone (for add)", True),
    ("text", "Text (add, edit) or new position (move)", True),
)


def admin_prompt_section(services: Services, actor: Actor, roles: set[str]) -> list[Block]:
    if "admin" not in roles:
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


def save_prompt_form(services: Services, actor: Actor, values: dict[str, str | None]) -> str:
    """Run the form as ``/ally admin prompts ...`` (re-checked, audited); '' or an error."""
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
        return "Choose add, edit, enable, disable or move."
    try:
        admin.perform(services, actor, "prompts", args)
    except authz.Denied:
        return "Only programme admins can change prompts."
    except admin.AdminInputError as exc:
        return str(exc).replace("`", "")
    return ""


home.LEAD_SECTIONS.append(admin_prompt_section)
