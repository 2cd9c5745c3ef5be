"""``allybot``: the command line (``python -m bot`` does the same)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bot.core.config import ConfigError, Settings, configure_logging, load_settings

#: Extra subcommands contributed by feature modules: name -> (configure parser, run).
Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[Settings, argparse.Namespace], int]
EXTRA_COMMANDS: dict[str, tuple[str, Configure, Run]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="allybot",
        description="A Slack bot that runs allyship buddy programmes. "
        "Configuration comes from the environment and .env (see README.md#configuration).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply Alembic migrations")
    db_sub.add_parser("current", help="show the schema revision")
    for name, (help_text, configure, _run) in EXTRA_COMMANDS.items():
        configure(sub.add_parser(name, help=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command == "serve":
            settings.require_serving()
            from bot.app import serve

            return serve(settings)
        if args.command == "db":
            return _db(settings, args, parser)
        return EXTRA_COMMANDS[args.command][2](settings, args)
    except ConfigError as exc:
        print(f"allybot: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _db(settings: Settings, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from storage import migrate
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        if args.db_command == "upgrade":
            migrate.upgrade(db)
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
