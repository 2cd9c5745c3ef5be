"""Typed, validated settings built once at start-up.

Nothing else in allybot reads ``os.environ``: every knob is here, documented in
``.env.example`` and in the README's *Configuration* section, so an admin can see
in one place what the bot depends on.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from dotenv import dotenv_values

from bot.core import logs
from bot.core.logs import RedactTokens

__all__ = ["ConfigError", "RedactTokens", "Settings", "configure_logging", "load_settings"]

README_SECTION = "README.md#configuration"
SLACK_API_DEFAULT = "https://slack.com/api/"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_KEY_FILE = "allybot.key"


class ConfigError(Exception):
    """A missing or malformed setting; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable} {problem} (see {README_SECTION})")


@dataclass(frozen=True)
class Settings:
    """Everything allybot needs to run, validated."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_API_DEFAULT
    database_url: str = "sqlite:///allybot.db"
    port: int = 3000
    host: str = "0.0.0.0"  # noqa: S104 (Slack must reach the HTTP endpoint)
    admins: frozenset[str] = field(default_factory=frozenset)
    log_level: str = "INFO"
    #: Seconds between outbox dispatcher passes and scheduler ticks.
    tick_seconds: float = 5.0
    #: The master secret (base64url or hex of 32 bytes); ``None``: read or create the key file.
    secret_key: str | None = field(default=None, repr=False)
    #: Where the master secret lives when ``secret_key`` is not set (created 0600 if missing).
    secret_key_file: str = DEFAULT_KEY_FILE

    @property
    def slack_configured(self) -> bool:
        """Whether any Slack variable is set (none at all: ``serve`` starts the sandbox)."""
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_signing_secret)

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is present, HTTP otherwise."""
        return bool(self.slack_app_token)

    def require_serving(self) -> None:
        """Check that the settings are enough to talk to Slack.

        Separate from :func:`load_settings` because ``allybot db upgrade`` and the
        CLI's offline commands need no token at all.
        """
        if not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN", "is not set")
        if self.socket_mode:
            return
        if not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET", "is not set (HTTP mode needs it; or set SLACK_APP_TOKEN)"
            )


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip()
    return value or None


def _values(
    environ: Mapping[str, str] | None, env_file: str | Path | None
) -> dict[str, str | None]:
    """The environment over ``.env``: real variables win, so a deployment can
    override a checked-out file."""
    values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(dotenv_values(env_file))
    values.update(os.environ if environ is None else environ)
    return values


def _port(raw: str | None) -> int:
    port_raw = raw or "3000"
    if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
        raise ConfigError("PORT", f"must be a port number, not {port_raw!r}")
    return int(port_raw)


def _log_level(raw: str | None, default: str = "INFO") -> str:
    level = (raw or default).upper()
    if level not in _LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(_LOG_LEVELS)}")
    return level


def sandbox_options(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> tuple[int, str]:
    """``PORT`` and ``LOG_LEVEL`` for the sandbox, which reads no other setting.

    The sandbox ignores tokens, ``SLACK_API_URL``, ``DATABASE_URL`` and ``HOST``
    by design; it logs warnings only unless ``LOG_LEVEL`` says otherwise.
    """
    values = _values(environ, env_file)
    return _port(_clean(values.get("PORT"))), _log_level(_clean(values.get("LOG_LEVEL")), "WARNING")


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Build :class:`Settings` from the environment, with ``.env`` filling the gaps."""
    values = _values(environ, env_file)

    def get(name: str) -> str | None:
        return _clean(values.get(name))

    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-")
    app_token = get("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-")

    api_url = get("SLACK_API_URL") or SLACK_API_DEFAULT
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError("SLACK_API_URL", "must be an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"

    port = _port(get("PORT"))

    admins = frozenset(a.strip() for a in (get("ALLYBOT_ADMINS") or "").split(",") if a.strip())
    for admin in admins:
        if not _USER_ID.match(admin):
            raise ConfigError("ALLYBOT_ADMINS", f"has {admin!r}, which is not a Slack user id")

    level = _log_level(get("LOG_LEVEL"))

    database_url = get("DATABASE_URL") or "sqlite:///allybot.db"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    if not database_url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError("DATABASE_URL", "must be a sqlite:/// or postgresql:// URL")
    if database_url.startswith("postgresql") and importlib.util.find_spec("psycopg") is None:
        raise ConfigError(
            "DATABASE_URL",
            "is PostgreSQL, which needs the postgres extra (pip install '.[postgres]')",
        )

    tick_raw = get("ALLYBOT_TICK_SECONDS") or "5"
    try:
        tick = float(tick_raw)
    except ValueError:
        raise ConfigError("ALLYBOT_TICK_SECONDS", "must be a number of seconds") from None
    if not 0.05 <= tick <= 3600:
        raise ConfigError("ALLYBOT_TICK_SECONDS", "must be between 0.05 and 3600")

    secret_key = get("ALLYBOT_SECRET_KEY")
    if secret_key is not None and decode_master_key(secret_key) is None:
        raise ConfigError(
            "ALLYBOT_SECRET_KEY", "must be 32 random bytes as base64url or hex (64 characters)"
        )

    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=database_url,
        port=port,
        host=get("HOST") or "0.0.0.0",  # noqa: S104
        admins=admins,
        log_level=level,
        tick_seconds=tick,
        secret_key=secret_key,
        secret_key_file=get("ALLYBOT_SECRET_KEY_FILE") or DEFAULT_KEY_FILE,
    )


def decode_master_key(text: str) -> bytes | None:
    """The 32-byte master key from its text form (hex or base64url), or ``None``."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        return None
    return raw if len(raw) == 32 else None


def configure_logging(
    settings: Settings,
    *,
    stream: IO[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> logging.Handler:
    """Set up logging for ``settings.log_level`` (see :mod:`bot.core.logs`)."""
    return logs.setup(settings.log_level, stream=stream, clock=clock)
