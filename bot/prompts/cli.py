"""``allybot prompts import|export``: the workspace's prompt library as TOML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.core import operator
from bot.core.admin import AdminInputError
from bot.core.registry import CliVerb
from bot.core.services import Services
from bot.core.text import plural
from bot.prompts import service
from bot.prompts.library import dump_library, parse_library
from storage import members as members_store


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["import", "export"])
    p.add_argument("file", nargs="?", type=Path, help="TOML file (export: default stdout)")
    p.add_argument("--team", help="Slack team id (needed when several workspaces share it)")


def _run(services: Services, args: argparse.Namespace) -> int:
    team = operator.resolve_team(services, args.team)
    if args.action == "export":
        with services.db.transaction() as session:
            text = dump_library(service.library(session, team))
        if args.file:
            args.file.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    if args.file is None:
        raise AdminInputError("name the TOML file to import")
    imported = parse_library(args.file.read_text(encoding="utf-8"))
    with services.db.transaction() as session:
        service.ensure_library(session, team)
        service.save_prompts(session, team, imported)
        members_store.audit(
            session,
            team_id=team,
            actor=operator.ACTOR,
            action="cli.prompts.import",
            target=str(args.file)[:255],
            outcome="ok",
            now=services.clock.now(),
        )
    print(f"imported {plural(len(imported), 'prompt')}")
    return 0


VERB = CliVerb("prompts", "import or export the reflection prompts (TOML)", _configure, _run)
