"""Before anything touches the database: can we reach Slack, and does it take our tokens?

``allybot serve`` calls :func:`check_slack` first, so a wrong token or an unreachable
API stops the first run with one line naming the variable to fix (exit code 2) and
leaves no database behind. Each refusal Slack can give is turned into what to check.
"""

from __future__ import annotations

import logging
import socket
import ssl
from dataclasses import dataclass
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.config import ConfigError, Settings
from bot.core.gateway import make_web_client
from bot.core.logs import SLACK_LOGGER
from bot.core.text import plural

#: Seconds to wait for each answer at start-up.
TIMEOUT = 10

_WHERE_BOT = "the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page"
_WHERE_APP = (
    "an app-level token (xapp-…) with the connections:write scope, "
    "from Basic Information → App-Level Tokens"
)


@dataclass(frozen=True)
class BotIdentity:
    """Who Slack says the bot is (``auth.test``)."""

    team_id: str
    team: str
    bot_user_id: str


def _bot_token_problem(error: str) -> str:
    if error in ("invalid_auth", "not_authed"):
        return f"was refused by Slack ({error}): copy {_WHERE_BOT} again"
    if error in ("account_inactive", "token_revoked", "token_expired"):
        return (
            f"no longer works ({error}): the app was uninstalled or its token revoked; "
            f"reinstall the app and copy {_WHERE_BOT}"
        )
    return f"could not be checked: auth.test answered {error}"


def _app_token_problem(error: str) -> str:
    if error in ("invalid_auth", "not_authed"):
        return f"was refused by Slack ({error}): create {_WHERE_APP}, and copy it again"
    if error == "not_allowed_token_type":
        return (
            f"cannot open a Socket Mode connection ({error}): it must be {_WHERE_APP}; "
            "check Socket Mode is on for the app"
        )
    if error in ("account_inactive", "token_revoked", "token_expired"):
        return f"no longer works ({error}): create {_WHERE_APP}"
    return f"could not open a Socket Mode connection: apps.connections.open answered {error}"


def why_unreachable(exc: BaseException, timeout: int = TIMEOUT) -> str:
    """Plain words for a network failure (refused, no such host, timed out, TLS...)."""
    reason: object = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(reason, TimeoutError):
        return f"no answer within {plural(timeout, 'second')}"
    if isinstance(reason, ssl.SSLError):
        return f"the secure connection failed ({reason.reason or type(reason).__name__})"
    if isinstance(reason, ConnectionError):
        return "the connection was closed"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return type(reason).__name__


def _answer_problem(exc: SlackApiError) -> str | None:
    """Slack's ``error`` code, or None when the answer was not a Slack refusal.

    Slack refuses a token with HTTP 200 and ``ok: false``; any other status is an
    outage, a rate limit or a URL that is not Slack's Web API.
    """
    if exc.response.status_code != 200:
        return None
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    error = data.get("error")
    return error if isinstance(error, str) and error else None


def _not_slack(settings: Settings, exc: SlackApiError) -> ConfigError:
    status = exc.response.status_code
    if status >= 500 or status == 429:
        problem = f"({settings.slack_api_url}) answered HTTP {status}: Slack may be having "
        problem += "trouble; try again in a few minutes"
    else:
        problem = f"({settings.slack_api_url}) answered HTTP {status}, not like Slack's Web API: "
        problem += "check the URL (it ends in /api/)"
    return ConfigError("SLACK_API_URL", problem)


def _quiet_logger() -> logging.Logger:
    """slack_sdk's logger for the check: silent unless DEBUG, as we report the failure."""
    logger = logging.getLogger(SLACK_LOGGER + ".startup")
    debugging = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    logger.setLevel(logging.DEBUG if debugging else logging.CRITICAL + 1)
    return logger


def check_slack(settings: Settings, *, timeout: int = TIMEOUT) -> BotIdentity:
    """Ask Slack who the bot token belongs to and, in Socket Mode, try the app token.

    Raises :class:`ConfigError` naming ``SLACK_BOT_TOKEN``, ``SLACK_APP_TOKEN`` or
    ``SLACK_API_URL`` with what to check.
    """
    settings.require_serving()
    client = make_web_client(settings, logger=_quiet_logger(), timeout=timeout)
    unreachable = f"({settings.slack_api_url}) cannot be reached"
    try:
        auth = client.auth_test()
        if settings.socket_mode:
            try:
                client.apps_connections_open(app_token=settings.slack_app_token or "")
            except SlackApiError as exc:
                error = _answer_problem(exc)
                if error is None:
                    raise _not_slack(settings, exc) from None
                raise ConfigError("SLACK_APP_TOKEN", _app_token_problem(error)) from None
    except SlackApiError as exc:
        error = _answer_problem(exc)
        if error is None:
            raise _not_slack(settings, exc) from None
        raise ConfigError("SLACK_BOT_TOKEN", _bot_token_problem(error)) from None
    except (SlackClientError, OSError) as exc:
        why = why_unreachable(exc, timeout)
        raise ConfigError(
            "SLACK_API_URL", f"{unreachable} ({why}): check the network, any proxy, and the URL"
        ) from None
    return BotIdentity(
        team_id=str(auth.get("team_id") or ""),
        team=str(auth.get("team") or ""),
        bot_user_id=str(auth.get("user_id") or ""),
    )
