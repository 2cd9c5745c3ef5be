"""The app over Socket Mode, its production transport, end to end.

Why: the manifest enables Socket Mode, so in production nothing reaches the app
over signed HTTP; every command, button and event is an envelope on a WebSocket
that Bolt's ``SocketModeHandler`` opened through ``apps.connections.open``.
These tests build the app as ``tests/conftest.py`` does, with an app-level
token, connect it the way ``bot.app.serve()`` does, and drive it through the
fake's Socket Mode server with :class:`SocketModeSender`, which returns the
same :class:`Response` as the HTTP sender.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlalchemy import select

from bot.app import AllyBot, create_app
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.sandbox.slackfake import SlackFake
from storage.db import Database
from storage.models import Member
from tests.conftest import ADMIN, SIGNING_SECRET
from tests.support.slack_requests import SlackSender
from tests.support.socket_mode import (
    NO_ACK_STATUS,
    SocketModeSender,
    close_promptly,
    connect_and_wait_for_hello,
)

APP_TOKEN = "xapp-1-A0ALLYBOT-1-journeys"


@pytest.fixture
def settings(settings: Settings, slack_fake: SlackFake) -> Settings:
    """conftest's settings plus an app-level token the fake knows: Socket Mode on."""
    slack_fake.add_token(APP_TOKEN)
    socket_settings = replace(settings, slack_app_token=APP_TOKEN)
    assert socket_settings.socket_mode
    return socket_settings


@pytest.fixture
def socket_slack(
    app: AllyBot, settings: Settings, slack_fake: SlackFake
) -> Iterator[SocketModeSender]:
    """The app connected by ``serve_socket_mode()``, as ``serve()`` connects it.

    Closed with Bolt's own ``handler.close()`` before the app and the fake; the
    ``slack`` fixture of ``tests/conftest.py`` runs every other journey this way.
    """
    handler = app.serve_socket_mode()
    assert slack_fake.socket_mode.wait_for_connections(1)
    yield SocketModeSender(
        slack_fake.socket_mode, team_id=slack_fake.team_id, fake_url=slack_fake.root_url + "/"
    )
    close_promptly(handler.client)  # handler.close() itself: the last test
    assert slack_fake.socket_mode.protocol_errors() == []
    assert slack_fake.socket_mode.internal_errors() == []
    assert slack_fake.socket_mode.unmatched_acks() == []


def test_help_is_answered_in_the_ack_as_over_http(
    socket_slack: SocketModeSender, served: str, slack_fake: SlackFake
) -> None:
    reply = socket_slack.command("U0ALLY01", "help")
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert "What you can do with" in reply.text
    assert "/ally join ally|colleague" in reply.text and "/ally help" in reply.text
    # The same command over signed HTTP to the same app answers the same body.
    http = SlackSender(served, SIGNING_SECRET, slack_fake.team_id, slack_fake.root_url + "/")
    assert http.command("U0ALLY01", "help").json() == reply.json()
    envelope = slack_fake.socket_mode.sent()[0]
    assert (envelope["type"], envelope["accepts_response_payload"]) == ("slash_commands", True)


def test_app_home_opened_publishes_the_home(
    socket_slack: SocketModeSender, slack_fake: SlackFake
) -> None:
    event = {"type": "app_home_opened", "user": "U0ALLY02", "tab": "home", "channel": "D0HOME"}
    reply = socket_slack.event(event)
    assert (reply.status, reply.body) == (200, "")  # events are acked with no payload
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, timeout=3)
    published = slack_fake.calls("views.publish")[0]
    assert published.ok and published.args["user_id"] == "U0ALLY02"
    assert "home_join_ally" in json.dumps(published.args["view"])


def test_a_button_press_is_an_empty_ack_and_acts(
    app: AllyBot, socket_slack: SocketModeSender, slack_fake: SlackFake
) -> None:
    payload = socket_slack.payloads.block_action("U0COLL03", "home_join_colleague", "colleague")
    assert socket_slack.post_interaction_ok(payload)
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, timeout=3)
    with app.services.db.read() as s:
        member = s.scalar(select(Member).where(Member.user_id == "U0COLL03"))
        assert member is not None and member.role == "colleague"


def test_refresh_requested_is_survived(
    app: AllyBot, socket_slack: SocketModeSender, slack_fake: SlackFake
) -> None:
    server = slack_fake.socket_mode
    assert "Welcome aboard" in socket_slack.command("U0ALLY04", "join ally").text
    assert server.request_refresh() == 1
    assert server.wait_for_connections(2, timeout=3)
    assert slack_fake.count("apps.connections.open") == 2
    assert slack_fake.wait_for(lambda: server.active_connections == 1, timeout=3)
    # A command after the refresh reaches the app on the new connection.
    after = socket_slack.command("U0ALLY04", "status")
    assert after.status == 200 and "*ally*" in after.text
    assert "What you can do with" in socket_slack.command(ADMIN, "help").text
    assert server.connections_opened == 2


def test_retried_event_carries_its_retry_over_the_socket(
    socket_slack: SocketModeSender, slack_fake: SlackFake
) -> None:
    event = {"type": "app_home_opened", "user": "U0ALLY05", "tab": "home", "channel": "D0HOME"}
    assert socket_slack.event(event, event_id="Ev0SOCKRETRY").status == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    assert socket_slack.event(event, event_id="Ev0SOCKRETRY", headers=retry).status == 200
    first, second = slack_fake.socket_mode.sent()
    assert (first["retry_attempt"], second["retry_attempt"], second["retry_reason"]) == (
        0,
        1,
        "timeout",
    )
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") >= 1, timeout=3)
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.publish") > 1, timeout=0.5)


def test_http_only_options_are_refused_loudly(socket_slack: SocketModeSender) -> None:
    with pytest.raises(TypeError, match="Socket Mode has no signature"):
        socket_slack.command("U0ALLY01", "help", secret="not-the-secret")
    with pytest.raises(TypeError, match="no HTTP headers"):
        socket_slack.event({"type": "app_home_opened", "user": "U0ALLY01"}, headers={"X-A": "b"})


def test_closing_the_handler_leaves_no_socket_threads(
    app: AllyBot, settings: Settings, slack_fake: SlackFake
) -> None:
    before = set(threading.enumerate())
    handler = SocketModeHandler(app.bolt, settings.slack_app_token)
    connect_and_wait_for_hello(handler.client)
    assert slack_fake.socket_mode.wait_for_connections(1)
    handler.close()  # type: ignore[no-untyped-call]
    assert slack_fake.wait_for(lambda: set(threading.enumerate()) <= before, timeout=3), (
        set(threading.enumerate()) - before
    )
    assert slack_fake.wait_for(lambda: slack_fake.socket_mode.active_connections == 0, timeout=3)


def test_garbage_envelopes_break_nothing(socket_slack: SocketModeSender, app: AllyBot) -> None:
    """Socket Mode's twin of the HTTP malformed-payload test: the app keeps serving."""
    quick = SocketModeSender(socket_slack.server, socket_slack.team_id, ack_timeout=0.5)
    garbage = [
        ("events_api", {"type": "event_callback", "event": {"type": "app_home_opened", "user": 1}}),
        ("events_api", {"type": "event_callback"}),
        ("interactive", {"type": "mystery"}),
        ("slash_commands", {"command": "/ally", "text": "help"}),  # no user, no team
    ]
    statuses = [quick._deliver(kind, payload).status for kind, payload in garbage]
    # Bolt acks nothing it has no listener for, and the request hygiene refuses a
    # command naming no workspace (over HTTP: a 4xx); nothing fails.
    assert statuses == [NO_ACK_STATUS] * 4
    assert "What you can do with" in socket_slack.command("U0ALLY01", "help").text
    with app.services.db.read() as s:
        assert s.scalar(select(Member)) is None


def test_a_socket_mode_app_still_refuses_forged_http(
    app: AllyBot, served: str, slack_fake: SlackFake
) -> None:
    """The attack: the WSGI endpoint of a Socket Mode app (gunicorn with an app token).

    Socket Mode needs no signature, but anything reaching ``/slack/events`` over
    HTTP still must carry one, or anyone could post ``/ally admin`` as an admin.
    """
    http = SlackSender(served, SIGNING_SECRET, slack_fake.team_id, slack_fake.root_url + "/")
    forged = http.command(ADMIN, "join ally", secret="not-the-secret")
    unsigned = http.command(ADMIN, "join ally", sign=False)
    assert (forged.status, unsigned.status) == (401, 401)
    with app.services.db.read() as s:
        assert s.scalar(select(Member)) is None


def test_without_a_signing_secret_http_is_closed(
    database: Database, settings: Settings, clock: FrozenClock, slack_fake: SlackFake
) -> None:
    """Socket Mode alone (no signing secret): nothing over HTTP can be verified, so 404."""
    bot = create_app(replace(settings, slack_signing_secret=None), clock=clock)
    server = bot.serve_http("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        http = SlackSender(url, "a-guess", slack_fake.team_id, slack_fake.root_url + "/")
        for reply in (http.command(ADMIN, "join ally"), http.command(ADMIN, "help", sign=False)):
            assert reply.status == 404
        with bot.services.db.read() as s:
            assert s.scalar(select(Member)) is None
    finally:
        server.shutdown()
        server.server_close()
        bot.close()
