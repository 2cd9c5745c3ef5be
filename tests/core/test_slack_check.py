"""The start-up check against real sockets: what each way of failing is called.

(Each refusal Slack gives is also run as a real ``allybot serve`` in tests/test_cli.py.)
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.core.config import ConfigError, Settings
from bot.core.slack_check import check_slack
from bot.sandbox.slackfake import SlackFake
from tests.conftest import BOT_TOKEN, SIGNING_SECRET


@pytest.fixture
def http_settings(slack_fake: SlackFake) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_fake.base_url,
    )


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_good_token_gives_the_workspace(http_settings: Settings, slack_fake: SlackFake):
    identity = check_slack(http_settings)
    assert (identity.team_id, identity.bot_user_id) == (slack_fake.team_id, slack_fake.bot_user_id)
    assert slack_fake.count("apps.connections.open") == 0  # HTTP mode needs no app token


def test_an_unknown_host(http_settings: Settings):
    settings = replace(http_settings, slack_api_url="http://allybot-check.invalid/api/")
    with pytest.raises(ConfigError) as info:
        check_slack(settings, timeout=2)
    assert info.value.variable == "SLACK_API_URL"
    assert "cannot be reached (the host name could not be resolved)" in str(info.value)


def test_an_api_that_never_answers(http_settings: Settings, silent_port: int):
    settings = replace(http_settings, slack_api_url=f"http://127.0.0.1:{silent_port}/api/")
    with pytest.raises(ConfigError) as info:
        check_slack(settings, timeout=1)
    assert "cannot be reached (no answer within 1 second)" in str(info.value)


def test_a_url_that_is_not_slack(http_settings: Settings, slack_fake: SlackFake):
    settings = replace(http_settings, slack_api_url=slack_fake.root_url + "/nothing-here/")
    with pytest.raises(ConfigError) as info:
        check_slack(settings)
    assert info.value.variable == "SLACK_API_URL"
    assert "not like Slack's Web API" in str(info.value)


def test_slack_having_trouble(http_settings: Settings, slack_fake: SlackFake):
    slack_fake.fail_every("auth.test", 1, status=503)
    with pytest.raises(ConfigError) as info:
        check_slack(http_settings)
    assert "answered HTTP 503: Slack may be having trouble" in str(info.value)


def test_a_revoked_token(http_settings: Settings, slack_fake: SlackFake):
    slack_fake.revoke_token(BOT_TOKEN)
    with pytest.raises(ConfigError) as info:
        check_slack(http_settings)
    assert info.value.variable == "SLACK_BOT_TOKEN" and "(invalid_auth)" in str(info.value)


def test_socket_mode_tries_the_app_token(http_settings: Settings, slack_fake: SlackFake):
    settings = replace(http_settings, slack_signing_secret=None, slack_app_token="xapp-1-A-1-x")
    slack_fake.fail_every("apps.connections.open", 1, status=200, error="token_revoked")
    with pytest.raises(ConfigError) as info:
        check_slack(settings)
    assert info.value.variable == "SLACK_APP_TOKEN" and "(token_revoked)" in str(info.value)
    calls = slack_fake.calls("apps.connections.open")
    assert len(calls) == 1 and calls[0].token == "xapp-1-A-1-x"
