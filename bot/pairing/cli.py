"""``allybot pair`` and ``allybot import-org``."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.core import operator
from bot.core.registry import CliVerb
from bot.core.services import Services
from bot.core.text import plural
from bot.pairing import org_import, rounds


def _pair_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--programme", default="default")
    p.add_argument(
        "--dry-run", action="store_true", help="show the round without storing or sending"
    )
    p.add_argument("--team")


def _pair(services: Services, args: argparse.Namespace) -> int:
    team = operator.resolve_team(services, args.team)
    print(rounds.run_now(services, team, args.programme, operator.ACTOR, dry_run=args.dry_run))
    if not args.dry_run:
        print("Introductions are queued; a running `allybot serve` delivers them.")
        operator.audit(services, team, "cli.pair.run", args.programme)
    return 0


def _import_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="CSV with columns user_id, department, manager_id")
    p.add_argument("--team")


def _import(services: Services, args: argparse.Namespace) -> int:
    team = operator.resolve_team(services, args.team)
    rows = org_import.parse(args.file.read_text(encoding="utf-8-sig"))
    count = org_import.import_rows(services, team, rows)
    operator.audit(services, team, "cli.import-org", str(args.file))
    print(f"imported {plural(count, 'person', 'people')} (department and manager only)")
    return 0


VERBS = (
    CliVerb("pair", "run (or --dry-run) a pairing round now", _pair_parser, _pair),
    CliVerb("import-org", "import departments and managers from CSV", _import_parser, _import),
)
