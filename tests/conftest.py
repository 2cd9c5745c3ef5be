"""Shared fixtures: a real database per test (SQLite file or PostgreSQL), the Slack
fake on loopback, a frozen clock, and the app driven over both of Slack's transports.

Every test that uses the ``slack`` fixture runs twice: ``transport="http"`` (signed
HTTP posts to the served endpoint) and ``transport="socket"`` (Socket Mode, the
manifest's default: envelopes over the fake's WebSocket, answered by acks).  The
Socket Mode run is on SQLite only, since the transport is independent of the
database.  Tests about HTTP itself (signatures, raw bodies, status codes) are
marked ``http_only``.
"""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import AllyBot, create_app
from bot.core import logs
from bot.core.clock import FrozenClock
from bot.core.config import Settings, configure_logging
from bot.sandbox.slackfake import FakeUser, SlackFake
from storage import migrate
from storage.db import Database
from tests.support.pgserver import PostgresServer
from tests.support.slack_requests import PayloadSender, SlackSender
from tests.support.socket_mode import SocketModeSender, close_promptly

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
#: The app-level token of the Socket Mode runs (registered with the fake).
APP_TOKEN = "xapp-1-A0ALLYBOT-1-test"
TRANSPORTS = ("http", "socket")
ADMIN = "UADMIN01"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
#: The master secret every test app runs with (never a real one).
TEST_SECRET_KEY = "11" * 32


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that talks to the app through ``slack`` over both transports."""
    if "slack" in metafunc.fixturenames and not metafunc.definition.get_closest_marker("http_only"):
        metafunc.parametrize("transport", TRANSPORTS, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop Socket Mode on PostgreSQL: the transport does not depend on the database."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        both = params.get("transport") == "socket" and params.get("db_url") == "postgres"
        (dropped if both else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    """``"http"`` or ``"socket"``; HTTP for tests that are not parametrized."""
    return str(getattr(request, "param", "http"))


@pytest.fixture(autouse=True)
def _no_real_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see real tokens or URLs from the developer's environment."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "ALLYBOT_", "DATABASE_URL")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'allybot.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def slack_fake(request: pytest.FixtureRequest) -> Iterator[SlackFake]:
    users = [
        FakeUser(id=ADMIN, real_name="Ada Admin", tz="Europe/London"),
        *(FakeUser(id=f"U0ALLY{i:02d}", tz="Europe/London") for i in range(40)),
        *(FakeUser(id=f"U0COLL{i:02d}", tz="America/New_York") for i in range(40)),
    ]
    with SlackFake(users=users, tokens=[BOT_TOKEN]) as fake:
        yield fake
        # Whatever a test did, the bot never sent a payload real Slack would refuse.
        # Refusals of a token (a revoked or wrong token, on purpose in start-up tests)
        # say nothing about our payloads; every other refusal is a bug.
        token_errors = {"invalid_auth", "not_authed", "account_inactive", "not_allowed_token_type"}
        refused = [
            (c.method, c.response.get("error"), c.response.get("errors"))
            for c in fake.refusals()
            if c.response.get("error") not in token_errors
        ]
        if request.node.get_closest_marker("slack_refusals_expected") is None:
            assert refused == [], f"Slack would have refused: {refused}"
        assert fake.internal_errors() == []


@pytest.fixture
def settings(db_url: str, slack_fake: SlackFake, transport: str) -> Settings:
    """The app's settings; over Socket Mode also an app-level token the fake knows."""
    base = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_fake.base_url,
        database_url=db_url,
        admins=frozenset({ADMIN}),
        tick_seconds=3600,
        host="127.0.0.1",
        port=0,
        secret_key=TEST_SECRET_KEY,
    )
    if transport != "socket":
        return base
    slack_fake.add_token(APP_TOKEN)
    return replace(base, slack_app_token=APP_TOKEN)


@pytest.fixture
def sleeps(clock: FrozenClock) -> list[float]:
    return []


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, sleeps: list[float]) -> Iterator[AllyBot]:
    """The assembled app on a migrated database; pacing sleeps move the frozen clock."""
    migrate.upgrade(Database(settings.database_url))

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    bot = create_app(settings, clock=clock, sleep=sleep)
    yield bot
    bot.close()


@pytest.fixture
def served(app: AllyBot) -> Iterator[str]:
    """The app's real HTTP endpoint on a free loopback port."""
    server = app.serve_http("127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def slack(
    transport: str, app: AllyBot, slack_fake: SlackFake, request: pytest.FixtureRequest
) -> Iterator[PayloadSender]:
    """The app as Slack reaches it: signed HTTP, or Socket Mode as ``serve()`` connects.

    Over Socket Mode the handler is closed before the app and the fake, and
    the fake's Socket Mode server must have seen no protocol error, no bug of
    its own and no ack that answered nothing.
    """
    fake_url = slack_fake.root_url + "/"
    if transport == "http":
        served: str = request.getfixturevalue("served")
        yield SlackSender(
            served,
            SIGNING_SECRET,
            team_id=slack_fake.team_id,
            fake_url=fake_url,
            fake=slack_fake,
        )
        return
    handler = app.serve_socket_mode()
    try:
        sender = SocketModeSender(
            slack_fake.socket_mode, team_id=slack_fake.team_id, fake_url=fake_url
        )
        sender.fake = slack_fake  # a slow command's later answer comes via response_url
        yield sender
    finally:
        close_promptly(handler.client)  # what handler.close() does, a second sooner
    server = slack_fake.socket_mode
    assert (server.protocol_errors(), server.internal_errors()) == ([], [])
    assert server.unmatched_acks() == []


@pytest.fixture
def debug_logs() -> Iterator[Callable[..., io.StringIO]]:
    """``start()`` logs through allybot's own ``configure_logging`` into a buffer.

    Call it in the test body (pytest gives each phase a fresh caplog handler, and
    ``configure_logging`` protects the handlers present when it runs). Logging is
    put back as it was afterwards.
    """
    root = logging.getLogger()
    saved_root = root.level
    saved = {name: logging.getLogger(name).level for name in logs.LIBRARY_LOGGERS}

    def start(level: str = "DEBUG", clock: Callable[[], float] | None = None) -> io.StringIO:
        buffer = io.StringIO()
        if clock is None:
            configure_logging(Settings(log_level=level), stream=buffer)
        else:
            configure_logging(Settings(log_level=level), stream=buffer, clock=clock)
        return buffer

    yield start
    for handler in list(root.handlers):
        if isinstance(handler, logs.AllybotHandler):
            root.removeHandler(handler)
            handler.close()
        else:
            for f in [f for f in handler.filters if isinstance(f, logs.PROTECTIVE_FILTERS)]:
                handler.removeFilter(f)
    root.setLevel(saved_root)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
