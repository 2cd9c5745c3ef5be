"""Rate limits and scripted failures: the refusals that happen before a method runs.

Why a class of its own: retry paths (HTTP 429 with ``Retry-After``, 5xx outages,
one-off Slack errors) are driven by tests through a handful of knobs, and the
bookkeeping for them should not be tangled with the method handlers.  Callers
hold the fake's lock; this class has none of its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .wire import Reply, json_reply

_DEFAULT_ERRORS_BY_STATUS = {
    200: "fatal_error",
    429: "ratelimited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "request_timeout",
}


@dataclass(frozen=True)
class Failure:
    """One scripted refusal: HTTP status, Slack error name, optional ``Retry-After``."""

    status: int
    error: str
    retry_after: int | None


@dataclass
class EveryNth:
    """Fail every ``n``-th call; ``seen`` counts calls since it was set."""

    n: int
    failure: Failure
    seen: int = 0


@dataclass
class RateLimit:
    """A sliding window: at most ``calls`` accepted per ``per_seconds``."""

    calls: int
    per_seconds: float
    retry_after: int
    accepted: deque[float] = field(default_factory=deque)


def checked_retry(retry_after: int) -> int:
    """Whole seconds only: slack_sdk parses ``Retry-After`` with ``int()``."""
    if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
        raise ValueError("retry_after must be a whole number of seconds >= 0")
    return retry_after


def make_failure(status: int, error: str | None, retry_after: int) -> Failure:
    """Validate a scripted failure's arguments and fill in Slack's error name."""
    if not 200 <= status <= 599 or 201 <= status <= 399:
        raise ValueError("status must be 200 (Slack-level error) or 4xx/5xx")
    if status == 200 and not error:
        raise ValueError("a status-200 failure needs an error name")
    name = error or _DEFAULT_ERRORS_BY_STATUS.get(status, f"http_{status}")
    return Failure(status, name, checked_retry(retry_after) if status == 429 else None)


class Limits:
    """Per-method scripted failures, persistent errors and rate-limit windows."""

    def __init__(self) -> None:
        self.fail_next: dict[str, deque[Failure]] = {}
        self.fail_every: dict[str, EveryNth] = {}
        self.rate_limits: dict[str, RateLimit] = {}
        self.errors: dict[str, str] = {}

    def clear(self, method: str | None = None) -> None:
        """Drop scripted failures and persistent errors (rate limits stay)."""
        if method is None:
            self.fail_next.clear()
            self.fail_every.clear()
            self.errors.clear()
        else:
            self.fail_next.pop(method, None)
            self.fail_every.pop(method, None)
            self.errors.pop(method, None)

    def gate(self, method: str, now: float) -> Reply | None:
        """Scripted failures, then rate limits: the transport-level refusals.

        Refused calls do not use up the window, as with Slack's limiter.
        """
        queued = self.fail_next.get(method)
        failure = queued.popleft() if queued else None
        every = self.fail_every.get(method)
        if every is not None:
            every.seen += 1
            if failure is None and every.seen % every.n == 0:
                failure = every.failure
        if failure is not None:
            payload = {"ok": False, "error": failure.error}
            return json_reply(failure.status, payload, failure.retry_after)
        limit = self.rate_limits.get(method)
        if limit is not None:
            while limit.accepted and limit.accepted[0] <= now - limit.per_seconds:
                limit.accepted.popleft()
            if len(limit.accepted) >= limit.calls:
                return json_reply(429, {"ok": False, "error": "ratelimited"}, limit.retry_after)
            limit.accepted.append(now)
        return None
