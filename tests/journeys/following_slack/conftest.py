"""Journeys where programmes follow Slack: the app talks to Slack through
:class:`~tests.support.slack_directory.SlackDirectory`, which adds the member lists
the fake does not model (``users.list``, ``conversations.members``, guest flags) and
forwards everything else to the fake."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.sandbox.slackfake import FakeUser, SlackFake
from tests.conftest import ADMIN, BOT_TOKEN
from tests.support.slack_directory import SlackDirectory

#: The people the shared ``slack_fake`` fixture knows (kept in step with tests/conftest.py).
PEOPLE = [
    FakeUser(id=ADMIN, real_name="Ada Admin", tz="Europe/London"),
    *(FakeUser(id=f"U0ALLY{i:02d}", tz="Europe/London") for i in range(40)),
    *(FakeUser(id=f"U0COLL{i:02d}", tz="America/New_York") for i in range(40)),
]


@pytest.fixture
def directory(slack_fake: SlackFake, clock: FrozenClock) -> Iterator[SlackDirectory]:
    with SlackDirectory(slack_fake, BOT_TOKEN, clock.now, PEOPLE) as front:
        yield front


@pytest.fixture
def settings(settings: Settings, directory: SlackDirectory) -> Settings:
    """The app talks to Slack through the directory front (it forwards to the fake)."""
    return replace(settings, slack_api_url=directory.base_url)
