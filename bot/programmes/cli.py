"""``allybot programme list|create|set``: the same settings as ``/ally admin programme``."""

from __future__ import annotations

import argparse

from bot.core import operator
from bot.core.admin import AdminInputError
from bot.core.registry import CliVerb
from bot.core.services import Services
from bot.programmes.settings import (
    apply_settings,
    describe,
    find,
    next_round_at,
    next_round_line,
)
from storage import members as members_store
from storage import pairing as store
from storage.models import Programme


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "create", "set"])
    p.add_argument("name", nargs="?")
    p.add_argument("settings", nargs="*", help="key=value (cadence, weekday, time, tz, window, …)")
    p.add_argument(
        "--team", help="Slack team id (needed when several workspaces share the database)"
    )


def _run(services: Services, args: argparse.Namespace) -> int:
    team = operator.resolve_team(services, args.team)
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
        moved = apply_settings(programme, args.settings, now, created=args.action == "create")
        print(describe(programme, store.programme_leads(session, programme.id)))
        if moved:
            session.flush()
            print(next_round_line(programme, next_round_at(session, programme, now), slack=False))
    operator.audit(
        services, team, f"cli.programme.{args.action}", " ".join([args.name, *args.settings])
    )
    return 0


VERB = CliVerb("programme", "list, create or change programmes", _configure, _run)
