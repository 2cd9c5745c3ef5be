"""``allybot``: the command line (``python -m bot`` does the same).

``serve`` and ``db`` are the entry's own verbs; every other verb is contributed by
a capability (:class:`~bot.core.registry.CliVerb`) and assembled from
:data:`bot.capabilities.CAPABILITIES`, in that order.

``serve`` checks the settings and Slack before it imports the capabilities (the
pairing engine and charts take seconds to load), so a wrong token is reported at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.core.clock import SystemClock
from bot.core.config import (
    ConfigError,
    Settings,
    configure_logging,
    load_settings,
    sandbox_options,
)
from bot.core.errors import UserError
from bot.core.gateway import OfflineGateway
from bot.core.keys import open_keys
from bot.core.logs import safe_exception_message
from bot.core.registry import Registry
from bot.core.services import Services
from storage.db import Database

#: The entry's own verbs, which need no capability to parse.
ENTRY_VERBS = ("serve", "db")


def build_parser(registry: Registry | None) -> argparse.ArgumentParser:
    """The whole command line, or (``registry`` None) only :data:`ENTRY_VERBS`."""
    parser = argparse.ArgumentParser(
        prog="allybot",
        description="A Slack bot that runs allyship buddy programmes. "
        "Configuration comes from the environment and .env (see README.md#configuration).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "serve",
        help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP); "
        "with no Slack setting at all, start the sandbox",
    )
    sandbox = sub.add_parser(
        "sandbox",
        help="try allybot in a pretend workspace in your browser (nothing goes to Slack)",
    )
    sandbox.add_argument("--port", type=int, help="port on 127.0.0.1 (default: PORT or 3000)")
    sandbox.add_argument(
        "--reset", action="store_true", help="start afresh (removes sandbox.db and its state)"
    )
    sandbox.add_argument(
        "--dir", type=Path, default=Path("."), help="where sandbox.db lives (default: here)"
    )
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply Alembic migrations")
    db_sub.add_parser("current", help="show the schema revision")
    for verb in registry.cli_verbs.values() if registry is not None else ():
        verb.configure(sub.add_parser(verb.name, help=verb.help))
    return parser


def _registry() -> Registry:
    from bot import capabilities

    return capabilities.registry()


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    entry_only = bool(words) and words[0] in ENTRY_VERBS
    registry = None if entry_only else _registry()
    parser = build_parser(registry)
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "sandbox":
            return _sandbox(args.dir, args.port, args.reset, "allybot sandbox: open")
        settings = load_settings()
        configure_logging(settings)
        if args.command == "serve":
            if not settings.slack_configured:
                return _sandbox(Path("."), None, False, NO_SLACK)
            from bot.core.slack_check import check_slack

            identity = check_slack(settings)
            from bot.app import serve

            return serve(settings, identity)
        if args.command == "db":
            return _db(settings, args, parser)
        assert registry is not None
        return run_verb(settings, registry, args)
    except ConfigError as exc:
        print(f"allybot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        # Cannot connect, no such file, locked...: one line, with no values in it.
        problem = safe_exception_message(exc, from_slack_library=False)
        print(f"allybot: database error (check DATABASE_URL): {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


NO_SLACK = (
    "allybot: no Slack settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN), "
    "so here is the sandbox, a pretend workspace where nothing goes to Slack:"
)


def _sandbox(directory: Path, port: int | None, reset: bool, reason: str) -> int:
    """The sandbox reads only ``PORT`` and ``LOG_LEVEL``: no token, no ``DATABASE_URL``."""
    env_port, level = sandbox_options()
    configure_logging(Settings(log_level=level))
    if port is not None and not 0 <= port < 65536:
        raise ConfigError("--port", f"must be a port number, not {port}")
    from bot.sandbox.server import run

    return run(
        directory, env_port if port is None else port, reset=reset, log_level=level, reason=reason
    )


def run_verb(settings: Settings, registry: Registry, args: argparse.Namespace) -> int:
    """Run a capability's verb as the operator; a refusal is one line and exit code 2."""
    db = Database(settings.database_url)
    services = Services(
        settings, db, SystemClock(), OfflineGateway(), registry, open_keys(settings, db)
    )
    try:
        return registry.cli_verbs[args.command].run(services, args)
    except (UserError, OSError) as exc:
        print(f"allybot: {exc}", file=sys.stderr)
        return 2
    finally:
        services.db.dispose()


def _db(settings: Settings, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from storage import migrate

    db = Database(settings.database_url)
    try:
        if args.db_command == "upgrade":
            migrate.upgrade(db, master_key=open_keys(settings, db).master)
            print("database at revision " + ", ".join(sorted(migrate.current_revisions(db))))
            return 0
        if args.db_command == "current":
            print(", ".join(sorted(migrate.current_revisions(db))) or "empty")
            return 0
        parser.parse_args(["db", "--help"])
        return 2
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
