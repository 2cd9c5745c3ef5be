"""The ``/ally`` dispatcher: split the text, find the command, turn errors into replies.

Commands are contributed by capabilities (:class:`~bot.core.registry.Command`)
and looked up in the registry; this module owns only the dispatch, ``/ally
help`` (grouped by capability, in capability order), ``/ally admin`` (which
hands every admin action to the audited path) and the one place where a
:class:`~bot.core.errors.UserError` becomes a reply to a typed command.
"""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core import admin
from bot.core.admin import AdminInputError
from bot.core.blocks import Reply, text_reply
from bot.core.errors import UserError
from bot.core.registry import Command
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from storage.db import Replayed, StorageBusy

log = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 1000

BUSY = (
    "The programme's database is busy right now. Nothing was changed; please try again in a moment."
)
ALREADY_DONE = "That exact request was already carried out, so nothing was done again."
WORKING = "Working on it: this can take a little while. I'll post the outcome here."
#: How long, in all, one request may wait for database locks: what is left of
#: Slack's three seconds once Bolt, the reply and the network have had theirs.
REQUEST_WAIT_SECONDS = 1.5


@dataclass(frozen=True)
class Replay:
    """A slash command's identity for replay protection: a hash of its accepted
    signature (never the signature or the request) and when Slack's window ends."""

    key: str
    expires_at: datetime


def split_args(text: str) -> list[str]:
    """Split like a shell, but never fail on stray quotes."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def handle(services: Services, actor: Actor, text: str, replay: Replay | None = None) -> Reply:
    """Answer ``/ally <text>`` for ``actor``. Never raises for bad input.

    Every lock wait is bounded so the answer comes inside Slack's three seconds.
    A command that declares it changes something (``Command.changes``) writes
    ``replay`` with its effect, so the same signed request twice is done once.
    """
    text = clean(text or "", MAX_COMMAND_CHARS)
    args = split_args(text)
    if not args:
        return help_reply(services)
    name, rest = args[0].lower(), args[1:]
    cmd = services.registry.commands.get(name)
    if cmd is None:
        visible = [n for n, c in services.registry.commands.items() if not c.hidden]
        return unknown_reply(name, visible, "/ally", "Type `/ally help` to see everything.")
    guard = replay if cmd.changes else None
    if _is_slow(services, cmd, rest):
        # Acknowledge now; the work runs after the ack, its lock waits unbounded by
        # Slack's three seconds, and its outcome is sent through response_url.
        return Reply(
            text=WORKING,
            followup=lambda: _run(services, actor, cmd, rest, guard, wait=None),
        )
    return _run(services, actor, cmd, rest, guard, wait=REQUEST_WAIT_SECONDS)


def _is_slow(services: Services, cmd: Command, args: Sequence[str]) -> bool:
    if cmd.slow is not None and cmd.slow(args):
        return True
    if cmd.name == "admin" and args:
        action = services.registry.admin_actions.get(args[0].lower())
        return action is not None and action.slow is not None and action.slow(args[1:])
    return False


def _run(
    services: Services,
    actor: Actor,
    cmd: Command,
    rest: Sequence[str],
    guard: Replay | None,
    *,
    wait: float | None,
) -> Reply:
    """Run one command; the one place its errors become replies."""
    name = cmd.name
    try:
        with services.db.request_scope(
            wait_seconds=wait,
            replay_key=guard.key if guard else None,
            replay_expires=guard.expires_at if guard else None,
        ):
            return cmd.run(services, actor, rest)
    except AdminInputError as exc:
        return text_reply(f"{exc} Nothing was changed.")
    except UserError as exc:
        return text_reply(str(exc))
    except StorageBusy:
        log.warning("database busy while handling /ally %s", name)
        return text_reply(BUSY)
    except Replayed:
        log.info("an exact replay of /ally %s was refused", name)
        return text_reply(ALREADY_DONE)


def unknown_reply(name: str, known: Collection[str], prefix: str, more: str) -> Reply:
    """Say which word was not understood, the closest valid one, and where the list is."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    hint = f" Did you mean `{prefix} {close[0]}`?" if close else ""
    return text_reply(f"I don't know `{prefix} {escape(name[:40])}`.{hint} {more}")


def help_reply(services: Services) -> Reply:
    lines = ["*What you can do with* `/ally`"]
    for title, commands in services.registry.help_groups():
        lines.append(f"*{title}*")
        lines += [f"• `{c.usage}`: {c.summary}" for c in commands]
    return text_reply("\n".join(lines))


def help_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    return help_reply(services)


def admin_command(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    """``/ally admin ACTION ...``: every action goes through :func:`admin.perform`."""
    actions = services.registry.admin_actions
    if not args or args[0].lower() == "help":
        lines = ["*Admin actions* (for programme admins)"] + [
            f"• `{a.usage}`: {a.summary}" for a in actions.values()
        ]
        return text_reply("\n".join(lines))
    name = args[0].lower()
    if name not in actions:
        return unknown_reply(
            name, actions, "/ally admin", "Type `/ally admin help` to see every admin action."
        )
    result = admin.perform(services, actor, name, args[1:])
    return text_reply(result)
