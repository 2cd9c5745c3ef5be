"""How allybot logs: quiet when idle, never a word a person typed, never a token.

Everything about logging is set up here, by :func:`setup` (which
:func:`bot.core.config.configure_logging` calls once at start-up):

* **Quiet.** APScheduler, slack_sdk, slack_bolt and the logger allybot hands Bolt
  (:data:`SLACK_LOGGER`) log at WARNING unless ``LOG_LEVEL=DEBUG``, so an idle bot
  writes nothing after its start-up line. The same warning (same logger, same message
  template) is written at most once an hour by :class:`OncePerHour`.
* **No user text.** Slack's libraries log request and response bodies: Bolt every
  response at DEBUG and a refused request's whole body at INFO, slack_sdk every
  request and response at DEBUG, the Socket Mode client every message. Those bodies
  hold anonymous feedback, journal entries and who sent them. :class:`WithholdBodies`
  cuts them from every record of those libraries, at every level, and rewrites every
  exception so a database error carries no values. It is attached to the handlers,
  not to a logger: a logger's filters never see records its children propagate.
* **No tokens.** :class:`RedactTokens` masks anything shaped like a Slack token.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import StatementError

from bot.core.text import plural

#: The logger Bolt is given (``App(logger=...)``). Bolt's framework logger, its
#: middleware loggers and the Socket Mode client all log through it or its level.
SLACK_LOGGER = "bot.slack"
#: Libraries that only speak at WARNING unless ``LOG_LEVEL=DEBUG``.
LIBRARY_LOGGERS = ("apscheduler", "slack_sdk", "slack_bolt", "alembic", SLACK_LOGGER)
#: Loggers whose records may carry a Slack request or response body.
_SLACK_SOURCES = ("slack_bolt", "slack_sdk", SLACK_LOGGER)

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HOUR = 3600.0


def slack_logger() -> logging.Logger:
    """The logger to give Bolt, so its records are ours to filter and level."""
    return logging.getLogger(SLACK_LOGGER)


class AllybotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`setup` installs (a type, so a second set-up replaces it)."""


def setup(
    level: str, *, stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic
) -> AllybotHandler:
    """Log plain lines at ``level`` to ``stream`` (standard error by default).

    Any handler already on the root logger (a test's log capture, a server's) gets
    the same protective filters, so no handler ever sees a body or a token.
    """
    handler = AllybotHandler(stream if stream is not None else sys.stderr)
    handler.setLevel(level)  # also for loggers with a level of their own
    handler.setFormatter(logging.Formatter(FORMAT))
    protect(handler)
    handler.addFilter(OncePerHour(clock))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, AllybotHandler)]:
        root.removeHandler(old)
        old.close()
    for other in root.handlers:
        protect(other)
    root.addHandler(handler)
    root.setLevel(level)
    chosen = logging.getLevelName(level)
    library_level = logging.DEBUG if level == "DEBUG" else max(logging.WARNING, chosen)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    return handler


def protect(handler: logging.Handler) -> None:
    """Give ``handler`` the filters that keep bodies and tokens out (once)."""
    kinds = {type(f) for f in handler.filters}
    for protective in PROTECTIVE_FILTERS:
        if protective not in kinds:
            handler.addFilter(protective())


# ------------------------------------------------------------------ bodies and values

#: Where a body starts in a message from Slack's libraries: a field that holds one
#: (``body:``, ``payload``, ``params``, ``headers``, ``message:``, ``data:``,
#: ``bytes:``, ``error:``), a dict or JSON, a quoted value, or a second line.
_BODY_START = re.compile(r"body|payload|params|headers|message:|data:|bytes:|error:|[{\"'\n]", re.I)
WITHHELD = "[withheld]"


def withhold(message: str) -> str:
    """``message`` cut where a body (or anything quoted) starts."""
    found = _BODY_START.search(message)
    if found is None:
        return message
    keep = found.end() if found.group(0)[0].isalpha() else found.start()
    return message[:keep].rstrip(" :=(,\n") + " " + WITHHELD


def _psycopg_summary(error: BaseException) -> str | None:
    """A PostgreSQL error by its code and the names it involves, never its values.

    PostgreSQL's messages quote values ("Key (user_id)=(U123) already exists",
    "Failing row contains (...)", "invalid input syntax for type integer: ...").
    """
    diag = getattr(error, "diag", None)
    sqlstate = getattr(error, "sqlstate", None)
    if diag is None or sqlstate is None:
        return None
    names = [
        f"{label} {value}"
        for label, value in (
            ("table", getattr(diag, "table_name", None)),
            ("column", getattr(diag, "column_name", None)),
            ("constraint", getattr(diag, "constraint_name", None)),
        )
        if value
    ]
    return f"{type(error).__name__} (SQLSTATE {sqlstate}{''.join(', ' + n for n in names)})"


def _database_message(error: StatementError) -> str:
    """What went wrong and in which statement (placeholders only), without values."""
    orig = error.orig
    if orig is None:
        cause = type(error).__name__
    else:
        cause = _psycopg_summary(orig) or f"{type(orig).__name__}: {str(orig).splitlines()[0]}"
    statement = " ".join((error.statement or "").split())[:500]
    return f"({cause}) [SQL: {statement}]" if statement else f"({cause})"


def safe_exception_message(error: BaseException, *, from_slack_library: bool) -> str:
    """The text to show for ``error``: database errors without values, Slack's bodies cut."""
    if isinstance(error, StatementError):
        return _database_message(error)
    summary = _psycopg_summary(error)
    if summary is not None:
        return summary
    text = str(error)
    if from_slack_library or isinstance(error, SlackApiError):
        return withhold(text)
    return text


def safe_traceback(error: BaseException, *, from_slack_library: bool) -> str:
    """A traceback like Python's (frames and causes), with safe exception messages."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain) and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts: list[str] = []
    for number, exc in enumerate(reversed(chain)):
        if number:
            parts.append("\nwhich led to:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
        message = safe_exception_message(exc, from_slack_library=from_slack_library)
        parts.append(f"{name}: {message}" if message else name)
    return "".join(parts)


class WithholdBodies(logging.Filter):
    """Cut Slack request and response bodies from records, and values from errors.

    Records of slack_bolt, slack_sdk and :data:`SLACK_LOGGER` lose everything from
    where a body starts (:func:`withhold`); every record's exception is rendered
    once, here, by :func:`safe_traceback` and the live exception is dropped, so no
    later formatter can print a value from it. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "allybot_withheld", False):
            return True
        from_slack_library = record.name.startswith(_SLACK_SOURCES)
        if from_slack_library:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record: keep its template only
                message = str(record.msg)
            record.msg, record.args = withhold(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(
                record.exc_info[1], from_slack_library=from_slack_library
            )
            record.exc_info = None
        setattr(record, "allybot_withheld", True)  # noqa: B010 (LogRecord has no such field)
        return True


# ---------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    """Mask Slack tokens in any log record (message and exception text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub(lambda m: m.group(1) + "-***", message)
            record.args = ()
        if record.exc_text and _TOKEN.search(record.exc_text):
            record.exc_text = _TOKEN.sub(lambda m: m.group(1) + "-***", record.exc_text)
        return True


# --------------------------------------------------------------------------- repeats


@dataclass
class _Seen:
    written_at: float
    suppressed: int = 0


#: The filters every handler gets, in order: bodies and values first, then tokens.
PROTECTIVE_FILTERS = (WithholdBodies, RedactTokens)


class OncePerHour(logging.Filter):
    """Write a repeated warning once per ``window`` seconds (an hour by default).

    Records at WARNING and above are keyed on their logger, level and message
    template (``record.msg`` before its arguments are filled in), so "could not
    read a member's time zone: %s" is one warning whoever it is about. When the
    window has passed, the next one is written with how many were held back.
    ``clock`` is injectable (monotonic seconds) so tests move time.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        window: float = HOUR,
        max_keys: int = 1024,
    ) -> None:
        super().__init__()
        self._clock = clock
        self._window = window
        self._max_keys = max_keys
        self._seen: dict[tuple[str, int, str], _Seen] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen.written_at < self._window:
                seen.suppressed += 1
                return False
            held_back = seen.suppressed if seen is not None else 0
            self._seen.pop(key, None)
            self._seen[key] = _Seen(now)
            if len(self._seen) > self._max_keys:
                self._forget_oldest(now)
        if held_back:
            # No "%" in the note, so the template still takes the record's arguments.
            record.msg = f"{record.msg} ({plural(held_back, 'similar warning')} held back)"
        return True

    def _forget_oldest(self, now: float) -> None:
        expired = [k for k, s in self._seen.items() if now - s.written_at >= self._window]
        for k in expired:
            del self._seen[k]
        while len(self._seen) > self._max_keys:
            del self._seen[next(iter(self._seen))]
