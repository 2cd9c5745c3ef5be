"""The ``/ally`` command: parse the text, call the domain, word the reply.

Every subcommand is a small function in :data:`COMMANDS`; features register
theirs with :func:`command`. Buttons in the App Home have a typed twin here, so
everything can be done from the keyboard.
"""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core import admin
from bot.core import authz
from bot.membership import members as membership
from bot.membership.members import MembershipError, Role
from bot.core.services import Actor, Services
from bot.core.text import clean, escape
from bot.core.blocks import Reply, status_text, text_reply
from storage.db import StorageBusy

log = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 1000

Handler = Callable[[Services, Actor, Sequence[str]], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    run: Handler
    hidden: bool = False


COMMANDS: dict[str, Command] = {}


def command(
    name: str, usage: str, summary: str, *, hidden: bool = False
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = Command(name, usage, summary, fn, hidden)
        return fn

    return register


def split_args(text: str) -> list[str]:
    """Split like a shell, but never fail on stray quotes."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def handle(services: Services, actor: Actor, text: str) -> Reply:
    """Answer ``/ally <text>`` for ``actor``. Never raises for bad input."""
    text = clean(text or "", MAX_COMMAND_CHARS)
    args = split_args(text)
    if not args:
        return help_reply()
    name, rest = args[0].lower(), args[1:]
    cmd = COMMANDS.get(name)
    if cmd is None:
        return unknown_reply(name, COMMANDS, "/ally")
    try:
        return cmd.run(services, actor, rest)
    except MembershipError as exc:
        return text_reply(str(exc))
    except StorageBusy:
        log.warning("database busy while handling /ally %s", name)
        return text_reply(
            "The programme's database is busy right now. Nothing was changed; "
            "please try again in a moment."
        )


def unknown_reply(name: str, known: dict[str, object], prefix: str) -> Reply:
    visible = [n for n, c in known.items() if not getattr(c, "hidden", False)]
    close = difflib.get_close_matches(name, visible, n=1, cutoff=0.5)
    hint = f" Did you mean `{prefix} {close[0]}`?" if close else ""
    return text_reply(
        f"I don't know `{prefix} {escape(name[:40])}`.{hint} Type `/ally help` to see everything."
    )


def help_reply() -> Reply:
    lines = ["*What you can do with* `/ally`"]
    lines += [f"• `{c.usage}`: {c.summary}" for c in COMMANDS.values() if not c.hidden]
    return text_reply("\n".join(lines))


@command("help", "/ally help", "this list")
def _help(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    return help_reply()


@command("join", "/ally join ally|colleague", "join the programme as an ally or a colleague")
def _join(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if len(args) != 1 or args[0].lower() not in ("ally", "colleague"):
        return text_reply(
            "Tell me how you'd like to join: `/ally join ally` or `/ally join colleague`."
        )
    member, new = membership.join(services, actor, Role(args[0].lower()))
    if not new:
        return text_reply(f"You're already in. {status_text(member)}")
    return text_reply(
        f"Welcome aboard! {status_text(member)} I'll be in touch in a DM; "
        "`/ally pause` or `/ally leave` whenever you need."
    )


@command("status", "/ally status", "your role and status")
def _status(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    return text_reply(status_text(membership.get(services, actor)))


@command("pause", "/ally pause [N weeks]", "take a break (default 2 weeks)")
def _pause(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    weeks = membership.DEFAULT_PAUSE_WEEKS
    if args:
        if not args[0].isdigit() or (len(args) > 1 and args[1].lower() not in ("week", "weeks")):
            return text_reply("Usage: `/ally pause 3 weeks` (1 to 26 weeks).")
        weeks = int(args[0])
    member = membership.pause(services, actor, weeks)
    return text_reply(f"Paused. {status_text(member)} `/ally resume` brings you back early.")


@command("resume", "/ally resume", "come back from a pause")
def _resume(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    member, changed = membership.resume(services, actor)
    return text_reply(
        ("Welcome back! " if changed else "You weren't paused. ") + status_text(member)
    )


@command("leave", "/ally leave", "leave the programme (you can rejoin any time)")
def _leave(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if membership.leave(services, actor):
        return text_reply("You've left the programme. Thank you for taking part; rejoin any time.")
    return text_reply("You weren't in the programme, so there was nothing to leave.")


@command("admin", "/ally admin <action>", "admin tools (admins only): `/ally admin help`")
def _admin(services: Services, actor: Actor, args: Sequence[str]) -> Reply:
    if not args or args[0].lower() == "help":
        lines = ["*Admin actions*"] + [
            f"• `{a.usage}`: {a.summary}" for a in admin.REGISTRY.values()
        ]
        return text_reply("\n".join(lines))
    name, rest = args[0].lower(), args[1:]
    if name not in admin.REGISTRY:
        return unknown_reply(name, dict(admin.REGISTRY), "/ally admin")
    try:
        return text_reply(admin.perform(services, actor, name, rest))
    except authz.Denied as exc:
        return text_reply(
            f"Sorry, only programme {exc.permission}s can do that. "
            "Nothing was changed; an admin can give you access."
        )
    except admin.AdminInputError as exc:
        return text_reply(f"{exc} Nothing was changed.")
