"""Settings: validated once, clear one-line errors, no secrets shipped."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config import ConfigError, RedactTokens, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_nothing_for_offline_commands(tmp_path):
    s = load_settings({}, env_file=None)
    assert s.database_url == "sqlite:///allybot.db"
    assert s.port == 3000 and not s.socket_mode
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        s.require_serving()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "abc"}, "PORT"),
        ({"ALLYBOT_ADMINS": "U123,bob"}, "ALLYBOT_ADMINS"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
    ],
)
def test_malformed_values_name_the_variable(env, variable):
    with pytest.raises(ConfigError) as info:
        load_settings(env, env_file=None)
    assert info.value.variable == variable
    assert variable in str(info.value) and "README" in str(info.value)


def test_environment_overrides_dotenv_and_urls_are_normalised(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nALLYBOT_ADMINS=U111,U222\nLOG_LEVEL=debug\n")
    s = load_settings(
        {"PORT": "5000", "DATABASE_URL": "postgres://u@h/db", "SLACK_API_URL": "http://x/api"},
        env_file=env_file,
    )
    assert s.port == 5000
    assert s.admins == frozenset({"U111", "U222"})
    assert s.log_level == "DEBUG"
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.slack_api_url == "http://x/api/"


def test_socket_mode_needs_no_signing_secret_http_mode_does():
    socket = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, env_file=None
    )
    socket.require_serving()
    http = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, env_file=None)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        http.require_serving()


def test_serve_with_a_partial_slack_configuration_exits_2_with_one_line(tmp_path):
    """A signing secret without a bot token is a mistake, not a wish for the sandbox."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "SLACK_SIGNING_SECRET": "abc123"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_env_example_documents_every_variable_without_real_values():
    text = (ROOT / ".env.example").read_text()
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "PORT",
        "ALLYBOT_ADMINS",
        "LOG_LEVEL",
    ):
        assert re.search(rf"^#?\s*{name}=", text, re.M), name
    assert not re.search(r"xox[abposr]-[A-Za-z0-9]|xapp-[A-Za-z0-9]", text)


def test_tokens_are_redacted_in_logs(caplog):
    import logging

    logger = logging.getLogger("allybot.test")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO):
        logger.info("sending with Authorization: Bearer %s", "xoxb-1234-5678-abcdef")
    assert "xoxb-1234" not in caplog.text and "xoxb-***" in caplog.text
