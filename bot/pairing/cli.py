"""``allybot programme``, ``allybot pair`` and ``allybot import-org``.

The CLI is run by whoever operates the bot (they hold the database), so it acts
as the trusted operator; each change is still written to the audit log.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.pairing import org_import
from bot.pairing import rounds
from bot.core.admin import AdminInputError
from bot.cli import EXTRA_COMMANDS
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.programmes.settings import apply_setting, describe, find
from bot.core.calendar import latest_slot
from bot.core.services import Services
from storage import members as members_store
from storage import pairing as store
from storage.db import Database
from storage.models import Programme

ACTOR = "cli"


def _services(settings: Settings) -> Services:
    return Services(settings, Database(settings.database_url), SystemClock(), gateway=None)  # type: ignore[arg-type]


def _team(services: Services, team: str | None) -> str:
    if team:
        return team
    with services.db.read() as session:
        teams = sorted({p.team_id for p in store.programmes(session)})
    if len(teams) != 1:
        raise AdminInputError(
            "Say which workspace with --team (found: " + (", ".join(teams) or "none yet") + ")."
        )
    return teams[0]


def _audit(services: Services, team: str, action: str, target: str) -> None:
    with services.db.transaction() as session:
        members_store.audit(
            session,
            team_id=team,
            actor=ACTOR,
            action=action,
            target=target[:255],
            outcome="ok",
            now=services.clock.now(),
        )


def _programme_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "create", "set"])
    p.add_argument("name", nargs="?")
    p.add_argument("settings", nargs="*", help="key=value (cadence, weekday, time, tz, window, …)")
    p.add_argument(
        "--team", help="Slack team id (needed when several workspaces share the database)"
    )


def _programme(settings: Settings, args: argparse.Namespace) -> int:
    services = _services(settings)
    try:
        team = _team(services, args.team)
        now = services.clock.now()
        with services.db.transaction() as session:
            if args.action == "list":
                for p in store.programmes(session, team):
                    print(describe(p, store.programme_leads(session, p.id)))
                return 0
            if not args.name:
                raise AdminInputError("Name the programme.")
            if args.action == "create":
                members_store.ensure_workspace(session, team, now)
                if store.programme_by_name(session, team, args.name) is not None:
                    raise AdminInputError(f"A programme called {args.name} already exists.")
                programme = store.add_programme(
                    session, Programme(team_id=team, name=args.name, created_at=now)
                )
            else:
                programme = find(session, team, args.name, now)
            for pair in args.settings:
                key, _, value = pair.partition("=")
                apply_setting(programme, key, value)
            print(describe(programme, store.programme_leads(session, programme.id)))
        _audit(
            services, team, f"cli.programme.{args.action}", " ".join([args.name, *args.settings])
        )
        return 0
    except AdminInputError as exc:
        print(f"allybot: {exc}", file=sys.stderr)
        return 2
    finally:
        services.db.dispose()


def _pair_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--programme", default="default")
    p.add_argument(
        "--dry-run", action="store_true", help="show the round without storing or sending"
    )
    p.add_argument("--team")


def _pair(settings: Settings, args: argparse.Namespace) -> int:
    services = _services(settings)
    try:
        team = _team(services, args.team)
        with services.db.transaction() as session:
            programme = find(session, team, args.programme, services.clock.now())
            pid, slot_args = (
                programme.id,
                (programme.tz, programme.weekday, programme.local_time, programme.cadence_weeks),
            )
        if args.dry_run:
            print(rounds.format_outcome(rounds.preview(services, pid), preview=True))
            return 0
        slot = latest_slot(services.clock.now(), *slot_args)
        outcome = rounds.run_round(services, pid, f"manual:{slot.date().isoformat()}", ACTOR)
        print(rounds.format_outcome(outcome, preview=False))
        print("Introductions are queued; a running `allybot serve` delivers them.")
        _audit(services, team, "cli.pair.run", args.programme)
        return 0
    except AdminInputError as exc:
        print(f"allybot: {exc}", file=sys.stderr)
        return 2
    finally:
        services.db.dispose()


def _import_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="CSV with columns user_id, department, manager_id")
    p.add_argument("--team")


def _import(settings: Settings, args: argparse.Namespace) -> int:
    services = _services(settings)
    try:
        team = _team(services, args.team)
        rows = org_import.parse(args.file.read_text(encoding="utf-8-sig"))
        count = org_import.import_rows(services, team, rows)
        _audit(services, team, "cli.import-org", str(args.file))
        print(f"imported {count} people (department and manager only)")
        return 0
    except (AdminInputError, org_import.ImportError_, OSError) as exc:
        print(f"allybot: {exc}", file=sys.stderr)
        return 2
    finally:
        services.db.dispose()


EXTRA_COMMANDS["programme"] = ("list, create or change programmes", _programme_parser, _programme)
EXTRA_COMMANDS["pair"] = ("run (or --dry-run) a pairing round now", _pair_parser, _pair)
EXTRA_COMMANDS["import-org"] = ("import departments and managers from CSV", _import_parser, _import)
