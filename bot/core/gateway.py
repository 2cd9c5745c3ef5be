"""The small surface of Slack that the domain depends on.

Domain code talks to a :class:`SlackGateway`, never to ``WebClient`` directly, so
tests can swap in a recording double and errors arrive as three plain kinds:
rate limited, transient, permanent.
"""

from __future__ import annotations

import logging
import random
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.core.config import Settings

log = logging.getLogger(__name__)

#: Slack errors that concern the whole app (token, scopes, outage), not one
#: recipient: a message is kept and retried until an admin fixes the cause.
APP_LEVEL_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "ratelimited",
        "service_unavailable",
        "fatal_error",
        "internal_error",
        "request_timeout",
    }
)


class SlackError(Exception):
    """Base of the gateway's errors."""


class RateLimited(SlackError):
    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"{method} rate limited; retry after {retry_after}s")
        self.retry_after = retry_after


class TransientError(SlackError):
    """Worth retrying later: 5xx, network trouble, app-wide token problems."""


class PermanentError(SlackError):
    """Slack refused this particular request (unknown user, archived channel...)."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.error = error


class SlackGateway(Protocol):
    """What allybot needs from Slack's Web API."""

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def upload_file(
        self, *, channel: str, content: bytes, filename: str, title: str, initial_comment: str
    ) -> dict[str, Any]: ...


class OfflineGateway:
    """The gateway of the command line, which never talks to Slack.

    CLI verbs only write to the database (a running bot delivers what they owe
    through the outbox), so any call here is a programming error, reported as a
    permanent Slack failure rather than a hidden network request.
    """

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise PermanentError(method, "the command line does not call Slack")

    def upload_file(
        self, *, channel: str, content: bytes, filename: str, title: str, initial_comment: str
    ) -> dict[str, Any]:
        raise PermanentError("files_upload_v2", "the command line does not call Slack")


def make_web_client(
    settings: Settings, *, logger: logging.Logger | None = None, timeout: int = 15
) -> WebClient:
    """The one way allybot builds a ``WebClient``: our base URL, Slack's retry handlers.

    ``SLACK_API_URL`` reaches every client the app creates because Bolt, the
    Socket Mode handler and the outbox dispatcher are all handed this client.
    ``logger`` replaces slack_sdk's own (the start-up check reports failures itself).
    """
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        logger=logger,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=1),
            # Slack's 5xx are retried twice, quickly (0.25 s, then 0.5 s, plus up to
            # 0.1 s of jitter): a check made before an ack must leave room for the ack
            # inside Slack's 3 seconds; the outbox retries later, with its own backoff.
            ServerErrorRetryHandler(
                max_retry_count=2,
                interval_calculator=BackoffRetryIntervalCalculator(
                    backoff_factor=0.25, jitter=_SmallJitter()
                ),
            ),
        ],
    )


class _SmallJitter(Jitter):
    """At most 0.1 s of jitter (slack_sdk's default adds up to a whole second)."""

    def recalculate(self, duration: float) -> float:
        return duration + random.random() / 10


def _classify(method: str, exc: SlackApiError) -> SlackError:
    status = exc.response.status_code
    error = str(exc.response.get("error", "")) if exc.response.data else ""
    if status == 429 or error == "ratelimited":
        raw = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        try:
            retry_after = max(0.0, float(raw)) if raw is not None else 30.0
        except ValueError:
            retry_after = 30.0
        return RateLimited(method, retry_after)
    if status >= 500 or error in APP_LEVEL_ERRORS:
        return TransientError(f"{method}: HTTP {status} {error}")
    return PermanentError(method, error or f"HTTP {status}")


class WebClientGateway:
    """:class:`SlackGateway` over slack_sdk's ``WebClient``."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            # The typed methods (chat_postMessage, users_info...) know how each
            # method wants its arguments encoded; fall back to a JSON body.
            typed = getattr(self.client, method.replace(".", "_"), None)
            if typed is not None:
                response = typed(**params)
            else:
                response = self.client.api_call(method, json=params)
        except SlackApiError as exc:
            raise _classify(method, exc) from exc
        except (SlackClientError, OSError) as exc:
            raise TransientError(f"{method}: {type(exc).__name__}") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}

    def upload_file(
        self, *, channel: str, content: bytes, filename: str, title: str, initial_comment: str
    ) -> dict[str, Any]:
        try:
            response = self.client.files_upload_v2(
                channel=channel,
                content=content,
                filename=filename,
                title=title,
                initial_comment=initial_comment,
            )
        except SlackApiError as exc:
            raise _classify("files_upload_v2", exc) from exc
        except (SlackClientError, OSError) as exc:
            raise TransientError(f"files_upload_v2: {type(exc).__name__}") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}
