"""What a capability contributes, and the registry ``create_app`` assembles from them.

Each capability package (membership, programmes, pairing, prompts, feedback,
reporting, and core itself) exposes one :class:`Capability` value listing its
commands, buttons, modals, scheduled tasks, Home sections, summary sources,
forgetters and CLI verbs, the way a Flask blueprint or a FastAPI router lists its
routes. Importing a module registers nothing: ``bot.capabilities`` names the
capabilities in one ordered tuple and :class:`Registry` assembles them, so the
order of ``/ally help`` and of scheduler tasks is that tuple's order, never
import order. Handlers look everything up in the registry carried by
:class:`~bot.core.services.Services`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.core.authz import Permission
from bot.core.blocks import PAGE_BUTTONS, Reply
from bot.core.services import Actor, Services
from storage.models import Member


@dataclass(frozen=True)
class Command:
    """``/ally NAME ...``: ``run`` parses the words and returns the private reply.

    ``changes`` says the command may change something: an exact replay of such a
    command (the same signed request again) is then refused, by a key written in
    the transaction of its effect. Commands that only read leave it False.
    """

    name: str
    usage: str
    summary: str
    run: Callable[[Services, Actor, Sequence[str]], Reply]
    hidden: bool = False
    changes: bool = True
    #: Given the words after the name: may this take longer than Slack's three
    #: seconds (an export)? Then it is acknowledged first, answered later.
    slow: Callable[[Sequence[str]], bool] | None = None


@dataclass(frozen=True)
class AdminAction:
    """``/ally admin NAME ...``, reached only through :func:`bot.core.admin.perform`.

    ``run`` receives the transaction the audit entry is written in; ``standalone``
    actions (running a round) open their own transactions. Either returns the reply:
    mrkdwn text, or a :class:`~bot.core.blocks.Reply` when it needs blocks (a list
    with page buttons). ``prepare`` runs first, outside any transaction, for checks
    that call Slack (is the person real?). ``slow`` actions may take longer than
    Slack's three seconds: the command is acknowledged at once and the outcome
    follows through ``response_url``.
    """

    name: str
    permission: Permission
    usage: str
    summary: str
    run: Callable[[Services, Session, Actor, Sequence[str]], str | Reply] | None = None
    standalone: Callable[[Services, Actor, Sequence[str]], str | Reply] | None = None
    prepare: Callable[[Services, Actor, Sequence[str]], None] | None = None
    slow: Callable[[Sequence[str]], bool] | None = None


#: What a button may answer: a private reply, a modal to open, or nothing.
ButtonResult = Reply | View | None


@dataclass(frozen=True)
class Button:
    """A button (``block_actions``) in a message or the Home, other than ``home_*``.

    ``run`` gets the button's ``value``. ``replaces`` says a reply replaces the
    message the button was in (a confirmation that makes the buttons moot).
    """

    action_id: str
    run: Callable[[Services, Actor, str], ButtonResult]
    replaces: bool = False


def page_buttons(
    action: str, run: Callable[[Services, Actor, str], ButtonResult]
) -> tuple[Button, Button]:
    """The Previous and Next buttons of a list shown with :func:`bot.core.blocks.paged_reply`.

    Both run ``run`` with the page number as the value and replace the page shown.
    """
    previous, following = PAGE_BUTTONS
    return Button(action + previous, run, replaces=True), Button(action + following, run, True)


@dataclass(frozen=True)
class HomeButton:
    """A ``home_*`` button: done once per click, then the Home is published again."""

    action_id: str
    run: Callable[[Services, Actor, str], object]


@dataclass(frozen=True)
class ViewInput:
    """A modal submission, already read into plain values.

    ``values`` maps each input block id to the text or number typed, the option
    chosen, or the time (``HH:MM``) or date (``YYYY-MM-DD``) picked;
    ``selected`` maps checkbox blocks to the chosen option values. ``key``
    identifies this submission (view id and hash), so a double click saves once.
    """

    private_metadata: str
    values: Mapping[str, str | None]
    selected: Mapping[str, Sequence[str]]
    key: str


@dataclass(frozen=True)
class FieldErrors:
    """Keep the modal open and show these messages under these blocks."""

    errors: Mapping[str, str]


#: What a modal submission answers: close (None), errors, or a view to show instead.
ModalResult = FieldErrors | View | None


@dataclass(frozen=True)
class Modal:
    """A modal's submission handler (``view_submission`` with ``callback_id``).

    ``error_block`` is where a :class:`~bot.core.errors.UserError` is shown.
    """

    callback_id: str
    run: Callable[[Services, Actor, ViewInput], ModalResult]
    error_block: str


@dataclass(frozen=True)
class Shortcut:
    """A global shortcut: ``run`` returns the modal to open."""

    callback_id: str
    run: Callable[[Services, Actor], View]


@dataclass(frozen=True)
class EventListener:
    """An Events API event: ``run(services, actor, event, event_id)``."""

    event: str
    run: Callable[[Services, Actor, Mapping[str, object], str | None], object]


@dataclass(frozen=True)
class Task:
    """Due work run by the scheduler lease holder on every tick."""

    name: str
    run: Callable[[Services], object]


@dataclass(frozen=True)
class HomeContext:
    """Who is looking at the App Home: their roles and whether they are a member."""

    roles: frozenset[str]
    is_member: bool


@dataclass(frozen=True)
class HomeSection:
    """Blocks for the App Home; ``lead`` sections go under "Programme tools"."""

    name: str
    render: Callable[[Services, Actor, HomeContext], list[Block]]
    lead: bool = False


@dataclass(frozen=True)
class WeekCell:
    """Raw figures for one metric, group and ISO week, before any suppression.

    ``count`` is how many responses (people or pairs) contributed; ``total`` is the
    sum of their values (equal to ``count`` for plain counts, the sum of ratings
    for a mean). Sources never apply thresholds: :mod:`bot.reporting.anonymity`
    alone decides what may be shown.
    """

    week: str  # ISO week, e.g. "2026-W10"
    metric: str  # e.g. "pairs_formed", "checkins_answered", "met", "usefulness"
    group: str  # "all", or a sibling group such as a role or a category
    count: int
    total: float


@dataclass(frozen=True)
class SummarySource:
    """Weekly cells for weeks in ``[start, end)`` of one programme."""

    name: str
    cells: Callable[[Session, int, datetime, datetime], list[WeekCell]]


@dataclass(frozen=True)
class Forgetter:
    """Erase (or unlink) what a capability holds about ``(team_id, user_id)``.

    Forgetters run in reverse capability order inside one transaction, so the
    capabilities that build on membership clear their rows before the member row
    they point at goes.
    """

    name: str
    run: Callable[[Session, str, str], int]


#: Called (session, member, now) inside the transaction whenever a member joins,
#: resumes or changes time zone, so capabilities can recompute what they schedule.
MemberChanged = Callable[[Session, Member, datetime], None]


@dataclass(frozen=True)
class Departure:
    """Someone stepped back: ``reason`` is ``paused``, ``left`` or ``forgotten``, or their
    Slack account took them out: ``deactivated``, or ``guest`` (now a guest where
    guests can't take part).

    ``programme_id`` is set when they left one programme only (None: all of them).
    """

    team_id: str
    user_id: str
    reason: str
    now: datetime
    programme_id: int | None = None


#: Called (session, departure) inside the transaction that pauses, removes or
#: forgets a member (before anything is erased), so capabilities can tell the people
#: who were counting on them.
MemberDeparted = Callable[[Session, Departure], None]


@dataclass(frozen=True)
class CliVerb:
    """``allybot NAME ...``: ``configure`` adds arguments, ``run`` returns the exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Services, argparse.Namespace], int]


@dataclass(frozen=True)
class Capability:
    """Everything one capability package contributes; see the module docstring."""

    name: str
    title: str
    commands: tuple[Command, ...] = ()
    admin_actions: tuple[AdminAction, ...] = ()
    buttons: tuple[Button, ...] = ()
    home_buttons: tuple[HomeButton, ...] = ()
    modals: tuple[Modal, ...] = ()
    shortcuts: tuple[Shortcut, ...] = ()
    events: tuple[EventListener, ...] = ()
    tasks: tuple[Task, ...] = ()
    home_sections: tuple[HomeSection, ...] = ()
    summary_sources: tuple[SummarySource, ...] = ()
    forgetters: tuple[Forgetter, ...] = ()
    member_changed: tuple[MemberChanged, ...] = ()
    member_departed: tuple[MemberDeparted, ...] = ()
    cli_verbs: tuple[CliVerb, ...] = ()


_T = TypeVar("_T")


def _index(kind: str, items: Iterable[_T], key: Callable[[_T], str]) -> dict[str, _T]:
    out: dict[str, _T] = {}
    for item in items:
        name = key(item)
        if name in out:
            raise ValueError(f"{kind} {name!r} is contributed twice")
        out[name] = item
    return out


class Registry:
    """The contributions of an ordered tuple of capabilities, indexed for lookup.

    Names must be unique across capabilities (a clash is a programming error,
    raised at assembly). Every mapping and list keeps capability order.
    """

    def __init__(self, capabilities: Sequence[Capability]) -> None:
        caps = tuple(capabilities)
        _index("capability", caps, lambda c: c.name)
        self.capabilities = caps
        self.commands = _index("command", (i for c in caps for i in c.commands), lambda i: i.name)
        self.admin_actions = _index(
            "admin action", (i for c in caps for i in c.admin_actions), lambda i: i.name
        )
        self.buttons = _index("button", (i for c in caps for i in c.buttons), lambda i: i.action_id)
        self.home_buttons = _index(
            "home button", (i for c in caps for i in c.home_buttons), lambda i: i.action_id
        )
        self.modals = _index("modal", (i for c in caps for i in c.modals), lambda i: i.callback_id)
        self.shortcuts = _index(
            "shortcut", (i for c in caps for i in c.shortcuts), lambda i: i.callback_id
        )
        self.tasks = _index("task", (i for c in caps for i in c.tasks), lambda i: i.name)
        self.cli_verbs = _index(
            "CLI verb", (i for c in caps for i in c.cli_verbs), lambda i: i.name
        )
        self.events: dict[str, list[EventListener]] = {}
        for c in caps:
            for listener in c.events:
                self.events.setdefault(listener.event, []).append(listener)
        self.summary_sources = [s for c in caps for s in c.summary_sources]
        #: In reverse capability order (see :class:`Forgetter`).
        self.forgetters = [f for c in reversed(caps) for f in c.forgetters]
        self.member_changed = [h for c in caps for h in c.member_changed]
        self.member_departed = [h for c in caps for h in c.member_departed]
        for action_id in self.buttons:
            if action_id.startswith("home_"):
                raise ValueError(f"button {action_id!r}: home_* ids belong to HomeButton")
        for action_id in self.home_buttons:
            if not action_id.startswith("home_"):
                raise ValueError(f"home button {action_id!r} must start with home_")

    def home_sections(self, *, lead: bool) -> list[HomeSection]:
        return [s for c in self.capabilities for s in c.home_sections if s.lead == lead]

    def help_groups(self) -> list[tuple[str, list[Command]]]:
        """Visible commands grouped by capability title, in capability order."""
        groups = [(c.title, [m for m in c.commands if not m.hidden]) for c in self.capabilities]
        return [(title, cmds) for title, cmds in groups if cmds]
