"""What every domain function is handed: the database, the clock, Slack, settings.

Domain code depends on these small pieces (and on the :class:`SlackGateway`
protocol), never on Bolt, so it can be driven from Slack, the CLI or a test.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.gateway import SlackGateway
from bot.core.keys import Keys
from bot.core.users import UserDirectory
from storage import events
from storage.db import Database

if TYPE_CHECKING:  # the registry's types refer back to Services
    from bot.core.registry import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who is asking: the Slack workspace and user behind a request."""

    team_id: str
    user_id: str


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    gateway: SlackGateway
    #: What the assembled capabilities contribute (commands, tasks, sections...).
    registry: Registry
    #: The master secret and the keys derived from it (see :mod:`bot.core.keys`).
    keys: Keys
    #: ``users.info`` verdicts, so granting a role checks the person once.
    users: UserDirectory = field(default_factory=UserDirectory)

    def require_real_user(self, team_id: str, user_id: str) -> None:
        """Raise :class:`~bot.core.users.NotARealUser` unless Slack knows a current
        human member ``user_id`` (asked outside any transaction; cached)."""
        self.users.require_real(self.gateway, team_id, user_id)

    @contextmanager
    def once(self, key: str) -> Iterator[Session | None]:
        """A write transaction that runs at most once per ``key``.

        Yields ``None`` (and does nothing) when ``key`` was already processed.
        The key is committed together with whatever the block writes, so a
        delivery that crashed midway leaves no key and its retry is processed.
        """
        with self.db.transaction() as session:
            try:
                with session.begin_nested():
                    events.claim(session, key, self.clock.now())
            except (events.AlreadyProcessed, IntegrityError):
                # Processed before, or a concurrent delivery committed first.
                log.info("duplicate delivery ignored: %s", key)
                yield None
                return
            yield session
