"""A Slack Web API fake served over real HTTP on loopback.

Why a real HTTP server rather than a mocked ``WebClient``: the bugs that hurt a Slack
bot live in the wire layer -- how ``slack_sdk`` encodes arguments (form vs JSON,
JSON-in-form ``blocks``), how its retry handlers read ``Retry-After``, how
``files_upload_v2`` chains three requests, how Bolt's ``respond()`` posts to a
``response_url``.  Pointing an unmodified ``slack_sdk.WebClient`` at
:attr:`SlackFake.base_url` exercises all of that, and the same fake backs the
offline sandbox, so it is shipped in the package and imports only the standard
library (never pytest, never slack_sdk).

What it models, Slack-shaped (HTTP 200 with ``{"ok": false, "error": ...}`` for
Slack-level errors, as Slack does):

* token checks (``not_authed`` / ``invalid_auth``);
* ``api.test``, ``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``,
  ``chat.update``, ``chat.delete``, ``conversations.open``, ``users.info``,
  ``views.publish``/``open``/``update``/``push``, ``files.getUploadURLExternal``,
  the upload URL itself and ``files.completeUploadExternal``; anything else is
  ``unknown_method``;
* per-method rate limits answering HTTP 429 with ``Retry-After`` and scripted
  failures (``fail_next``, ``fail_every``, ``set_error``) to drive retry paths;
* ``response_url`` endpoints for Bolt's ``respond()``;
* a thread-safe record of every request for assertions.

Where real Slack's exact error name is not documented the fake picks the closest
documented one; those choices are noted on the method handlers.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import mimetypes
import re
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_TOKEN",
    "RESPONSE_URL_METHOD",
    "UPLOAD_METHOD",
    "Call",
    "FakeFile",
    "FakeUser",
    "ManualClock",
    "SlackFake",
]

#: The bot token the fake accepts unless told otherwise.
DEFAULT_TOKEN = "xoxb-test-token"  # noqa: S105 -- a fixture value, not a secret
#: Pseudo method name under which POSTs to a ``response_url`` are recorded.
RESPONSE_URL_METHOD = "response_url"
#: Pseudo method name under which byte uploads to an upload URL are recorded.
UPLOAD_METHOD = "upload_url"

#: Form fields Slack expects to carry JSON; decoded so tests see Python objects.
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "files", "metadata", "user_auth_blocks"})
#: Slack truncates/refuses beyond these; enforcing them catches oversized output early.
MAX_TEXT_CHARS = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TITLE_CHARS = 24
MAX_PRIVATE_METADATA_CHARS = 3_000
MAX_MPIM_USERS = 8
#: Refuse absurd bodies instead of reading them into memory.
MAX_BODY_BYTES = 64 * 1024 * 1024

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})
_DEFAULT_ERRORS_BY_STATUS = {
    200: "fatal_error",
    429: "ratelimited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "request_timeout",
}


@dataclass(frozen=True)
class Call:
    """One request the fake answered, as recorded for assertions.

    ``args`` merges query string, form and JSON body (token removed, JSON-valued
    form fields decoded).  ``target`` names the response URL or file id for the
    pseudo methods :data:`RESPONSE_URL_METHOD` and :data:`UPLOAD_METHOD`.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any]
    at: float
    target: str | None = None

    @property
    def ok(self) -> bool:
        """True when Slack would have reported success (HTTP 200 and ``ok``)."""
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class FakeUser:
    """A workspace member as ``users.info`` reports it.

    ``tz_offset`` left as ``None`` is computed from ``tz`` at answer time, so it
    follows daylight saving like Slack's does.
    """

    id: str
    real_name: str = ""
    name: str = ""
    tz: str = "Etc/UTC"
    tz_offset: int | None = None
    deleted: bool = False
    is_bot: bool = False
    email: str | None = None

    def __post_init__(self) -> None:
        if not _USER_ID.fullmatch(self.id):
            raise ValueError(f"user id {self.id!r} must look like a Slack user id (U.../W...)")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r} for {self.id}") from exc


@dataclass(frozen=True)
class FakeFile:
    """A file that completed the three-step external upload."""

    id: str
    filename: str
    title: str
    content: bytes
    channel_id: str | None
    channels: tuple[str, ...]
    initial_comment: str | None
    thread_ts: str | None
    alt_txt: str | None


class ManualClock:
    """A clock for rate-limit windows that only moves when told to.

    Why: tests of window arithmetic should not sleep; pass an instance as
    ``SlackFake(clock=...)`` and call :meth:`advance`.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward; moving backwards would break window invariants."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds


class _SlackError(Exception):
    """Raised inside method handlers; becomes ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, detail: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str
    retry_after: int | None


@dataclass
class _EveryNth:
    n: int
    failure: _Failure
    seen: int = 0


@dataclass
class _RateLimit:
    calls: int
    per_seconds: float
    retry_after: int
    accepted: deque[float] = field(default_factory=deque)


@dataclass
class _Upload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None
    completed: bool = False


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def _json_reply(status: int, payload: Mapping[str, Any], retry_after: int | None = None) -> _Reply:
    headers: tuple[tuple[str, str], ...] = ()
    if retry_after is not None:
        headers = (("Retry-After", str(retry_after)),)
    body = json.dumps(payload).encode("utf-8")
    return _Reply(status, body, "application/json; charset=utf-8", headers)


def _text_reply(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode("utf-8"), "text/html; charset=utf-8")


def _stable_id(prefix: str, key: str) -> str:
    """Derive an id from ``key`` so it is the same in every fake and every run."""
    return prefix + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10].upper()


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in {"1", "true", "yes"}


def _text_arg(args: Mapping[str, Any], name: str) -> str | None:
    """A string argument, accepting JSON numbers the way Slack coerces them."""
    value = args.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise _SlackError("invalid_arguments", f"{name} must be a string")


def _required(args: Mapping[str, Any], name: str) -> str:
    value = _text_arg(args, name)
    if not value:
        raise _SlackError("invalid_arguments", f"missing required field: {name}")
    return value


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Decode a request body the way Slack accepts it; return ``(args, error)``."""
    if not body:
        return {}, None
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {}, "invalid_json"
        if not isinstance(decoded, dict):
            return {}, "invalid_json"
        return decoded, None
    if media_type in {"application/x-www-form-urlencoded", ""}:
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=10_000)
        except (UnicodeDecodeError, ValueError):
            return {}, "invalid_arguments"
        return dict(pairs), None
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    return {}, "invalid_post_type"


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], str | None]:
    """Parse multipart/form-data; file parts are summarised, not stored."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    except (ValueError, TypeError, UnicodeEncodeError):
        return {}, "invalid_arguments"
    if not message.is_multipart():
        return {}, "invalid_arguments"
    args: dict[str, Any] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return {}, "invalid_arguments"
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            args[name] = {"filename": filename, "size": len(payload)}
            continue
        try:
            args[name] = payload.decode("utf-8")
        except UnicodeDecodeError:
            return {}, "invalid_arguments"
    return args, None


def _decode_json_fields(args: dict[str, Any]) -> str | None:
    """Turn JSON-in-form fields into objects in place; report undecodable ones."""
    for name in JSON_FIELDS & args.keys():
        value = args[name]
        if not isinstance(value, str):
            continue
        try:
            args[name] = json.loads(value)
        except ValueError:
            return "invalid_arguments"
    return None


def _bearer(headers: Mapping[str, str]) -> str | None:
    raw = headers.get("Authorization") or headers.get("authorization")
    if not raw:
        return None
    scheme, _, value = raw.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class _QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that neither resolves names nor prints tracebacks."""

    daemon_threads = True
    allow_reuse_address = True
    fake: SlackFake

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that
        # can stall for seconds in sandboxes; loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up is the client's business; anything else is a bug here.
        if isinstance(sys.exc_info()[1], OSError):
            return
        self.fake._note_internal_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP adapter: read the request, let :class:`SlackFake` decide, write."""

    server: _QuietServer
    server_version = "SlackFake/1.0"
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging: tests and the sandbox need quiet stderr."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        try:
            reply = self._reply(fake)
        except OSError:
            return  # the connection broke while reading; there is no one to answer
        except Exception:
            fake._note_internal_error(traceback.format_exc())
            reply = _json_reply(500, {"ok": False, "error": "fake_internal_error"})
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            # The client went away; nothing to tell it.
            return

    def _reply(self, fake: SlackFake) -> _Reply:
        raw_length = self.headers.get("Content-Length") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return _json_reply(400, {"ok": False, "error": "invalid_arguments"})
        if length < 0:
            return _json_reply(400, {"ok": False, "error": "invalid_arguments"})
        if length > MAX_BODY_BYTES:
            return _json_reply(413, {"ok": False, "error": "request_too_large"})
        body = self.rfile.read(length) if length else b""
        headers = {name: value for name, value in self.headers.items()}
        return fake._handle_http(self.command, self.path, headers, body)


class SlackFake:
    """A Slack Web API stand-in on ``http://127.0.0.1:PORT/api/``.

    Use as a context manager (or :meth:`start`/:meth:`stop`) and point a real
    ``WebClient(token=DEFAULT_TOKEN, base_url=fake.base_url)`` at it.

    ``clock`` drives rate-limit windows and :attr:`Call.at`; ``wall_clock`` (epoch
    seconds) drives message ``ts`` and ``created`` stamps.  Both can be replaced
    so tests and sandbox runs are deterministic.

    ``strict=False`` (the default) accepts any well-formed channel or user id for
    messaging, so tests need not register every recipient; ``strict=True`` only
    accepts configured users/channels and ids the fake itself issued, like a real
    workspace.  ``users.info`` is always strict: it cannot invent a profile.
    """

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        users: Iterable[FakeUser] = (),
        channels: Iterable[str] = (),
        strict: bool = False,
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        team_id: str = "T0ALLYBOT",
        team_name: str = "Allybot Test",
        bot_user_id: str = "U0ALLYBOT",
        bot_id: str = "B0ALLYBOT",
        app_id: str = "A0ALLYBOT",
    ) -> None:
        self._lock = threading.RLock()
        self._tokens = set(tokens)
        self._users: dict[str, FakeUser] = {}
        for user in users:
            self.add_user(user)
        self._channels: set[str] = set()
        for channel in channels:
            self.add_channel(channel)
        self._strict = strict
        self._port = port
        self._clock = clock
        self._wall_clock = wall_clock
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self._server: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._internal_errors: list[str] = []
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self._reset_state()

    def _reset_state(self) -> None:
        self._fail_next: dict[str, deque[_Failure]] = {}
        self._fail_every: dict[str, _EveryNth] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        self._errors: dict[str, str] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._im_user: dict[str, str] = {}
        self._mpim_members: dict[str, tuple[str, ...]] = {}
        self._opened: set[str] = set()
        self._views: dict[str, dict[str, Any]] = {}
        self._view_by_external_id: dict[str, str] = {}
        self._home_view_by_user: dict[str, str] = {}
        self._uploads: dict[str, _Upload] = {}
        self._files: list[FakeFile] = []
        self._last_ts_us = 0
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackFake:
        """Bind 127.0.0.1 and serve in a daemon thread; returns ``self``."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("SlackFake is already running")
            server = _QuietServer(("127.0.0.1", self._port), _Handler)
            server.fake = self
            self._server = server
            self._port = server.server_port
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"SlackFake:{self._port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackFake:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        self._require_running()
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` without a trailing slash."""
        self._require_running()
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What to pass as ``WebClient(base_url=...)``; ends with ``/api/`` like Slack's."""
        return f"{self.root_url}/api/"

    def response_url(self, name: str) -> str:
        """A URL that accepts JSON POSTs like a Slack ``response_url`` and records them."""
        if not name:
            raise ValueError("a response URL needs a name")
        return f"{self.root_url}/response/{quote(name, safe='')}"

    def _require_running(self) -> None:
        if self._server is None:
            raise RuntimeError("SlackFake is not running; call start() first")

    # -------------------------------------------------------------- configuration

    def add_user(self, user: FakeUser) -> None:
        """Add or replace a workspace member."""
        with self._lock:
            self._users[user.id] = user

    def add_channel(self, channel_id: str) -> None:
        """Declare a channel that exists (matters in strict mode)."""
        if not _CHANNEL_ID.fullmatch(channel_id):
            raise ValueError(f"{channel_id!r} does not look like a channel id")
        with self._lock:
            self._channels.add(channel_id)

    def add_token(self, token: str) -> None:
        with self._lock:
            self._tokens.add(token)

    def revoke_token(self, token: str) -> None:
        """Make a token unknown so later calls get ``invalid_auth``."""
        with self._lock:
            self._tokens.discard(token)

    def set_rate_limit(
        self, method: str, calls: int, per_seconds: float, retry_after: int = 1
    ) -> None:
        """Allow ``calls`` per sliding ``per_seconds`` window, then answer 429.

        Refused calls do not use up the window, as with Slack's limiter.
        """
        if calls < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs calls >= 1 and per_seconds > 0")
        with self._lock:
            self._rate_limits[method] = _RateLimit(calls, per_seconds, self._retry(retry_after))

    def clear_rate_limit(self, method: str) -> None:
        with self._lock:
            self._rate_limits.pop(method, None)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        status: int = 429,
        error: str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail, queued after earlier ones.

        ``status`` 429 sends ``Retry-After``; 5xx mimics an outage; 200 with an
        ``error`` is a one-off Slack-level refusal.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        failure = self._failure(status, error, retry_after)
        with self._lock:
            self._fail_next.setdefault(method, deque()).extend([failure] * count)

    def fail_every(
        self,
        method: str,
        n: int,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Fail every ``n``-th call of ``method`` from now on (n=2: 2nd, 4th, ...)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        failure = self._failure(status, error, retry_after)
        with self._lock:
            self._fail_every[method] = _EveryNth(n, failure)

    def clear_failures(self, method: str | None = None) -> None:
        """Drop scripted failures and persistent errors (for one method or all)."""
        with self._lock:
            if method is None:
                self._fail_next.clear()
                self._fail_every.clear()
                self._errors.clear()
            else:
                self._fail_next.pop(method, None)
                self._fail_every.pop(method, None)
                self._errors.pop(method, None)

    def set_error(self, method: str, error_name: str | None) -> None:
        """Answer every authenticated call of ``method`` with this Slack error.

        ``None`` clears it.  Example: ``set_error("chat.postMessage", "not_in_channel")``.
        """
        with self._lock:
            if error_name is None:
                self._errors.pop(method, None)
            else:
                self._errors[method] = error_name

    @staticmethod
    def _retry(retry_after: int) -> int:
        if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
            # slack_sdk parses Retry-After with int(), so only whole seconds are honest.
            raise ValueError("retry_after must be a whole number of seconds >= 0")
        return retry_after

    def _failure(self, status: int, error: str | None, retry_after: int) -> _Failure:
        if not 200 <= status <= 599 or 201 <= status <= 399:
            raise ValueError("status must be 200 (Slack-level error) or 4xx/5xx")
        if status == 200 and not error:
            raise ValueError("a status-200 failure needs an error name")
        name = error or _DEFAULT_ERRORS_BY_STATUS.get(status, f"http_{status}")
        return _Failure(status, name, self._retry(retry_after) if status == 429 else None)

    # ------------------------------------------------------------------ recording

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally only those of ``method``."""
        with self._lock:
            if method is None:
                return list(self._calls)
            return [call for call in self._calls if call.method == method]

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for call in self._calls if call.method == method)

    def clear_calls(self) -> None:
        """Forget recorded calls but keep messages, views, DMs and scripts."""
        with self._lock:
            self._calls.clear()

    def reset(self) -> None:
        """Back to a fresh workspace: no calls, messages, views, files or scripts.

        Users, channels, tokens and the port are kept.
        """
        with self._lock:
            self._calls.clear()
            self._internal_errors.clear()
            self._reset_state()

    def messages_to(self, channel_or_user: str) -> list[Call]:
        """Successful ``chat.postMessage``/``chat.postEphemeral`` calls reaching a target.

        A user id matches posts to that user, to their DM channel and ephemerals
        shown to them; a DM channel id also matches posts addressed to its user.
        """
        with self._lock:
            targets = {channel_or_user}
            if _USER_ID.fullmatch(channel_or_user):
                targets.add(self._dm_id(channel_or_user))
            if channel_or_user in self._im_user:
                targets.add(self._im_user[channel_or_user])
            found = []
            for call in self._calls:
                if call.method not in _MESSAGE_METHODS or not call.ok:
                    continue
                hit = call.args.get("channel") in targets or call.response.get("channel") in targets
                if call.method == "chat.postEphemeral" and call.args.get("user") in targets:
                    hit = True
                if hit:
                    found.append(call)
            return found

    def response_url_posts(self, name: str | None = None) -> list[Call]:
        """POSTs received on :meth:`response_url` URLs (optionally one name)."""
        return [
            call for call in self.calls(RESPONSE_URL_METHOD) if name is None or call.target == name
        ]

    def uploaded_files(self) -> list[FakeFile]:
        """Files whose upload was completed with ``files.completeUploadExternal``."""
        with self._lock:
            return list(self._files)

    def payloads_text(self) -> str:
        """Every recorded request as JSON, one per line, for "never sent X" checks.

        The args are decoded (form encoding and JSON-in-form undone), so what a
        test searches for is what Slack would have rendered.
        """
        with self._lock:
            calls = list(self._calls)
        lines = [
            json.dumps(
                {"method": call.method, "target": call.target, "args": call.args},
                ensure_ascii=False,
                sort_keys=True,
                default=repr,
            )
            for call in calls
        ]
        return "\n".join(lines)

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
    ) -> bool:
        """Poll ``predicate`` until true or ``timeout`` (real seconds); return the outcome.

        Why: the bot acts on other threads (scheduler, Bolt listeners), so tests
        wait for the effect instead of sleeping a guessed time.
        """
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake; a healthy run leaves this empty."""
        with self._lock:
            return list(self._internal_errors)

    def _note_internal_error(self, text: str) -> None:
        with self._lock:
            self._internal_errors.append(text)

    # ---------------------------------------------------------------- HTTP routing

    def _handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/api/"):
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            return self._handle_api(path[len("/api/") :], query, headers, body)
        if verb != "POST":
            return _text_reply(405, "method_not_allowed")
        if path.startswith("/upload/v1/"):
            return self._handle_upload(unquote(path[len("/upload/v1/") :]), body)
        if path.startswith("/response/"):
            content_type = headers.get("Content-Type") or headers.get("content-type") or ""
            return self._handle_response_url(unquote(path[len("/response/") :]), content_type, body)
        return _text_reply(404, "not_found")

    def _gate(self, method: str, now: float) -> _Reply | None:
        """Scripted failures, then rate limits: the transport-level refusals."""
        queued = self._fail_next.get(method)
        failure = queued.popleft() if queued else None
        every = self._fail_every.get(method)
        if every is not None:
            every.seen += 1
            if failure is None and every.seen % every.n == 0:
                failure = every.failure
        if failure is not None:
            payload = {"ok": False, "error": failure.error}
            return _json_reply(failure.status, payload, failure.retry_after)
        limit = self._rate_limits.get(method)
        if limit is not None:
            while limit.accepted and limit.accepted[0] <= now - limit.per_seconds:
                limit.accepted.popleft()
            if len(limit.accepted) >= limit.calls:
                return _json_reply(429, {"ok": False, "error": "ratelimited"}, limit.retry_after)
            limit.accepted.append(now)
        return None

    def _handle_api(
        self, method: str, query: dict[str, Any], headers: Mapping[str, str], body: bytes
    ) -> _Reply:
        content_type = headers.get("Content-Type") or headers.get("content-type") or ""
        parsed, parse_error = _parse_body(content_type, body)
        args: dict[str, Any] = {**query, **parsed}
        token = _bearer(headers)
        body_token = args.pop("token", None)
        if token is None and isinstance(body_token, str) and body_token:
            token = body_token
        if parse_error is None:
            parse_error = _decode_json_fields(args)
        with self._lock:
            now = self._clock()
            reply = self._gate(method, now)
            if reply is None:
                payload = self._answer(method, args, token, parse_error)
                reply = _json_reply(200, payload)
            self._record(method, args, token, reply, now)
        return reply

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None, parse_error: str | None
    ) -> dict[str, Any]:
        if parse_error is not None:
            return {"ok": False, "error": parse_error}
        handler = self._methods.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        if method != "api.test":
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token not in self._tokens:
                return {"ok": False, "error": "invalid_auth"}
        persistent = self._errors.get(method)
        if persistent is not None:
            return {"ok": False, "error": persistent}
        try:
            return handler(args)
        except _SlackError as exc:
            payload: dict[str, Any] = {"ok": False, "error": exc.error}
            if exc.detail:
                payload["response_metadata"] = {"messages": [f"[ERROR] {exc.detail}"]}
            return payload

    def _record(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        reply: _Reply,
        now: float,
        target: str | None = None,
    ) -> None:
        if reply.content_type.startswith("application/json"):
            response = json.loads(reply.body)
        else:
            response = {"ok": reply.status == 200, "body": reply.body.decode("utf-8")}
        self._calls.append(Call(method, args, token, reply.status, response, now, target))

    def _handle_upload(self, file_id: str, body: bytes) -> _Reply:
        with self._lock:
            now = self._clock()
            args = {"file_id": file_id, "size": len(body)}
            reply = self._gate(UPLOAD_METHOD, now)
            if reply is None:
                upload = self._uploads.get(file_id)
                if upload is None or upload.completed:
                    reply = _text_reply(404, "file_not_found")
                else:
                    upload.content = body
                    reply = _text_reply(200, f"OK - {len(body)}")
            self._record(UPLOAD_METHOD, args, None, reply, now, target=file_id)
        return reply

    def _handle_response_url(self, name: str, content_type: str, body: bytes) -> _Reply:
        args: dict[str, Any] = {}
        reply: _Reply | None = None
        try:
            decoded = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            decoded = None
        if not isinstance(decoded, dict):
            reply = _text_reply(400, "invalid_payload")
        else:
            args = decoded
        with self._lock:
            now = self._clock()
            gated = self._gate(RESPONSE_URL_METHOD, now)
            if gated is not None:
                reply = gated
            elif reply is None:
                has_content = args.get("text") or args.get("blocks") or args.get("attachments")
                if not has_content and not _truthy(args.get("delete_original")):
                    reply = _text_reply(400, "no_text")
                else:
                    reply = _text_reply(200, "ok")
            self._record(RESPONSE_URL_METHOD, args, None, reply, now, target=name)
        return reply

    # ------------------------------------------------------------------- helpers

    def _next_ts(self) -> str:
        """Slack message timestamps: epoch seconds with microseconds, unique and rising."""
        now_us = int(self._wall_clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _dm_id(self, user_id: str) -> str:
        return _stable_id("D", f"im:{user_id}")

    def _check_user(self, user_id: str, *, for_dm: bool) -> None:
        """Refuse user ids Slack would refuse; ``for_dm`` adds deactivation checks."""
        if not _USER_ID.fullmatch(user_id):
            raise _SlackError("user_not_found")
        user = self._users.get(user_id)
        if user is None:
            if self._strict:
                raise _SlackError("user_not_found")
            return
        if for_dm and user.deleted:
            raise _SlackError("user_disabled")

    def _resolve_channel(self, channel: Any) -> str:
        """Map a channel argument to a channel id; a user id opens their DM."""
        if not isinstance(channel, str) or not channel:
            raise _SlackError("channel_not_found")
        if _USER_ID.fullmatch(channel):
            user = self._users.get(channel)
            if user is None and self._strict:
                raise _SlackError("channel_not_found")
            if user is not None and user.deleted:
                # Undocumented for chat.*; mirrors conversations.open's refusal.
                raise _SlackError("user_disabled")
            dm = self._dm_id(channel)
            self._im_user[dm] = channel
            return dm
        if not _CHANNEL_ID.fullmatch(channel):
            raise _SlackError("channel_not_found")
        known = (
            channel in self._channels or channel in self._im_user or channel in self._mpim_members
        )
        if self._strict and not known:
            raise _SlackError("channel_not_found")
        return channel

    def _check_blocks(self, blocks: Any, limit: int, error: str) -> list[dict[str, Any]]:
        if not isinstance(blocks, list) or len(blocks) > limit:
            raise _SlackError(error, f"blocks must be a list of at most {limit} blocks")
        for block in blocks:
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                raise _SlackError(error, "every block needs a string type")
        return blocks

    def _message_content(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Validate text/blocks/attachments the way chat.* does."""
        text = _text_arg(args, "text")
        content: dict[str, Any] = {"text": text or ""}
        blocks = args.get("blocks")
        if blocks is not None and blocks != "":
            blocks = self._check_blocks(blocks, MAX_MESSAGE_BLOCKS, "invalid_blocks")
            if blocks:
                content["blocks"] = blocks
        attachments = args.get("attachments")
        if attachments is not None and attachments != "":
            if not isinstance(attachments, list) or not all(
                isinstance(item, dict) for item in attachments
            ):
                raise _SlackError("invalid_attachments")
            if attachments:
                content["attachments"] = attachments
        if not text and "blocks" not in content and "attachments" not in content:
            raise _SlackError("no_text")
        if text and len(text) > MAX_TEXT_CHARS:
            raise _SlackError("msg_too_long")
        return content

    def _bot_message(self, ts: str, content: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
            **content,
        }

    # ---------------------------------------------------------------- API methods

    def _api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        """Echoes its args; an ``error`` arg is answered as that error, like Slack."""
        error = args.get("error")
        if isinstance(error, str) and error:
            return {"ok": False, "error": error, "args": args}
        return {"ok": True, "args": args}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://allybot-test.slack.com/",
            "team": self.team_name,
            "user": "allybot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        content = self._message_content(args)
        thread_ts = _text_arg(args, "thread_ts")
        if thread_ts:
            content["thread_ts"] = thread_ts
        metadata = args.get("metadata")
        if isinstance(metadata, dict):
            content["metadata"] = metadata
        ts = self._next_ts()
        message = self._bot_message(ts, content)
        self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resolve_channel(args.get("channel"))
        user = _required(args, "user")
        self._check_user(user, for_dm=False)
        self._message_content(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _stored_message(self, args: dict[str, Any]) -> tuple[str, str]:
        channel = self._resolve_channel(args.get("channel"))
        ts = _required(args, "ts")
        if (channel, ts) not in self._messages:
            raise _SlackError("message_not_found")
        return channel, ts

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._stored_message(args)
        content = self._message_content(args)
        message = self._messages[(channel, ts)]
        for key in ("blocks", "attachments"):
            message.pop(key, None)
        message.update(content)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._stored_message(args)
        del self._messages[(channel, ts)]
        return {"ok": True, "channel": channel, "ts": ts}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """1 user -> stable ``D`` id, 2-8 users -> stable ``G`` id whatever the order."""
        channel = _text_arg(args, "channel")
        raw_users = args.get("users")
        if channel:
            if channel in self._im_user:
                return self._opened_reply(channel, args, members=(self._im_user[channel],))
            if channel in self._mpim_members:
                return self._opened_reply(channel, args, members=self._mpim_members[channel])
            if _CHANNEL_ID.fullmatch(channel) and channel[0] == "C":
                raise _SlackError("method_not_supported_for_channel_type")
            raise _SlackError("channel_not_found")
        if isinstance(raw_users, list):
            listed = [str(user) for user in raw_users]
        elif isinstance(raw_users, str):
            listed = raw_users.split(",")
        elif raw_users is None:
            listed = []
        else:
            raise _SlackError("invalid_arguments", "users must be a comma-separated string")
        ids = list(dict.fromkeys(user.strip() for user in listed if user.strip()))
        if not ids:
            raise _SlackError("users_list_not_supplied")
        others = [user for user in ids if user != self.bot_user_id]
        if not others:
            raise _SlackError("not_enough_users")
        if len(others) > MAX_MPIM_USERS:
            raise _SlackError("too_many_users")
        for user in others:
            self._check_user(user, for_dm=True)
            known = self._users.get(user)
            if len(others) == 1 and known is not None and known.is_bot:
                raise _SlackError("cannot_dm_bot")
        if len(others) == 1:
            channel_id = self._dm_id(others[0])
            self._im_user[channel_id] = others[0]
        else:
            members = tuple(sorted(others))
            channel_id = _stable_id("G", "mpim:" + ",".join(members))
            self._mpim_members[channel_id] = members
        members_tuple = (others[0],) if len(others) == 1 else tuple(sorted(others))
        return self._opened_reply(channel_id, args, members=members_tuple)

    def _opened_reply(
        self, channel_id: str, args: dict[str, Any], members: tuple[str, ...]
    ) -> dict[str, Any]:
        already_open = channel_id in self._opened
        self._opened.add(channel_id)
        reply: dict[str, Any] = {"ok": True}
        if already_open:
            reply["no_op"] = True
            reply["already_open"] = True
        if not _truthy(args.get("return_im")):
            reply["channel"] = {"id": channel_id}
            return reply
        created = int(self._wall_clock())
        if channel_id.startswith("D"):
            reply["channel"] = {
                "id": channel_id,
                "created": created,
                "is_im": True,
                "is_org_shared": False,
                "user": members[0],
                "is_user_deleted": False,
                "priority": 0,
                "last_read": "0000000000.000000",
                "latest": None,
                "unread_count": 0,
                "unread_count_display": 0,
                "is_open": True,
            }
        else:
            reply["channel"] = {
                "id": channel_id,
                "name": "mpdm-" + "--".join(members) + "-1",
                "created": created,
                "is_mpim": True,
                "is_private": True,
                "is_group": False,
                "is_open": True,
                "members": [self.bot_user_id, *members],
            }
        return reply

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """Profile with ``tz``/``tz_offset``; unknown or missing user -> ``user_not_found``."""
        user_id = _text_arg(args, "user")
        user = self._users.get(user_id or "")
        if user is None:
            raise _SlackError("user_not_found")
        zone = ZoneInfo(user.tz)
        local_now = datetime.now(UTC).astimezone(zone)
        offset = local_now.utcoffset()
        tz_offset = user.tz_offset
        if tz_offset is None:
            tz_offset = int(offset.total_seconds()) if offset is not None else 0
        name = user.name or (user.real_name.lower().replace(" ", ".") or user.id.lower())
        profile: dict[str, Any] = {
            "real_name": user.real_name,
            "display_name": user.real_name,
            "real_name_normalized": user.real_name,
        }
        if user.email:
            profile["email"] = user.email
        info: dict[str, Any] = {
            "id": user.id,
            "team_id": self.team_id,
            "name": name,
            "real_name": user.real_name,
            "deleted": user.deleted,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "tz": user.tz,
            "tz_label": local_now.tzname() or user.tz,
            "tz_offset": tz_offset,
            "profile": profile,
        }
        if _truthy(args.get("include_locale")):
            info["locale"] = "en-US"
        return {"ok": True, "user": info}

    def _check_view(self, view: Any, view_type: str | None) -> dict[str, Any]:
        """Reject views Slack rejects with ``invalid_arguments`` (type, sizes, titles)."""
        if not isinstance(view, dict):
            raise _SlackError("invalid_arguments", "missing required field: view")
        kind = view.get("type")
        allowed = {"modal", "home"} if view_type is None else {view_type}
        if kind not in allowed:
            raise _SlackError("invalid_arguments", f"view type must be one of {sorted(allowed)}")
        self._check_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS, "invalid_arguments")
        if kind == "modal":
            for key in ("title", "submit", "close"):
                text_obj = view.get(key)
                if text_obj is None and key != "title":
                    continue
                text = text_obj.get("text") if isinstance(text_obj, dict) else None
                if not isinstance(text, str) or not text or len(text) > MAX_VIEW_TITLE_CHARS:
                    raise _SlackError(
                        "invalid_arguments",
                        f"{key} must be plain_text of 1-{MAX_VIEW_TITLE_CHARS} characters",
                    )
        metadata = view.get("private_metadata", "")
        if not isinstance(metadata, str) or len(metadata) > MAX_PRIVATE_METADATA_CHARS:
            raise _SlackError("invalid_arguments", "private_metadata too long")
        return view

    def _store_view(
        self, view: dict[str, Any], view_id: str | None, root_view_id: str | None = None
    ) -> dict[str, Any]:
        new_id = view_id or self._next_id("V")
        external_id = view.get("external_id") or ""
        if external_id:
            owner = self._view_by_external_id.get(external_id)
            if owner is not None and owner != new_id:
                raise _SlackError("duplicate_external_id")
            self._view_by_external_id[external_id] = new_id
        stored = {
            "id": new_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._wall_clock())}.{next(self._ids):08x}",
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": root_view_id or new_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[new_id] = stored
        return {"ok": True, "view": stored}

    def _check_hash(self, view_id: str, args: Mapping[str, Any]) -> None:
        supplied = _text_arg(args, "hash")
        if supplied and supplied != self._views[view_id]["hash"]:
            raise _SlackError("hash_conflict")

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """App Home: one view per user, so its id is stable across publishes."""
        user_id = _required(args, "user_id")
        self._check_user(user_id, for_dm=False)
        view = self._check_view(args.get("view"), "home")
        existing = self._home_view_by_user.get(user_id)
        if existing is not None:
            self._check_hash(existing, args)
        reply = self._store_view(view, existing)
        self._home_view_by_user[user_id] = reply["view"]["id"]
        return reply

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        _required(args, "trigger_id")
        return self._store_view(self._check_view(args.get("view"), "modal"), None)

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        _required(args, "trigger_id")
        return self._store_view(self._check_view(args.get("view"), "modal"), None)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = _text_arg(args, "view_id")
        external_id = _text_arg(args, "external_id")
        if not view_id and not external_id:
            raise _SlackError("invalid_arguments", "view_id or external_id is required")
        if not view_id:
            view_id = self._view_by_external_id.get(external_id or "")
        if not view_id or view_id not in self._views:
            raise _SlackError("not_found")
        view = self._check_view(args.get("view"), None)
        self._check_hash(view_id, args)
        return self._store_view(view, view_id, self._views[view_id]["root_view_id"])

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = _required(args, "filename")
        raw_length = _required(args, "length")
        try:
            length = int(raw_length)
        except ValueError:
            raise _SlackError("invalid_arguments", "length must be an integer") from None
        if length < 0:
            raise _SlackError("invalid_arguments", "length must not be negative")
        file_id = self._next_id("F")
        self._uploads[file_id] = _Upload(file_id, filename, length, _text_arg(args, "alt_txt"))
        return {
            "ok": True,
            "upload_url": f"{self.root_url}/upload/v1/{file_id}",
            "file_id": file_id,
        }

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        """Completes uploads; a file never uploaded or unknown -> ``file_not_found``."""
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments", "files must be a non-empty JSON array")
        entries: list[tuple[_Upload, str]] = []
        for entry in files:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise _SlackError("invalid_arguments", "each file needs an id")
            upload = self._uploads.get(entry["id"])
            if upload is None or upload.content is None or upload.completed:
                raise _SlackError("file_not_found")
            title = entry.get("title")
            entries.append((upload, title if isinstance(title, str) and title else upload.filename))
        channel_arg = _text_arg(args, "channel_id")
        channel_id = self._resolve_channel(channel_arg) if channel_arg else None
        raw_channels = _text_arg(args, "channels") or ""
        channels = [self._resolve_channel(c.strip()) for c in raw_channels.split(",") if c.strip()]
        shared = tuple(dict.fromkeys([*([channel_id] if channel_id else []), *channels]))
        initial_comment = _text_arg(args, "initial_comment")
        thread_ts = _text_arg(args, "thread_ts")
        answered = []
        for upload, title in entries:
            upload.completed = True
            content = upload.content or b""
            self._files.append(
                FakeFile(
                    id=upload.file_id,
                    filename=upload.filename,
                    title=title,
                    content=content,
                    channel_id=channel_id,
                    channels=shared,
                    initial_comment=initial_comment,
                    thread_ts=thread_ts,
                    alt_txt=upload.alt_txt,
                )
            )
            mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            answered.append(
                {
                    "id": upload.file_id,
                    "created": int(self._wall_clock()),
                    "name": upload.filename,
                    "title": title,
                    "mimetype": mimetype,
                    "size": len(content),
                    "user": self.bot_user_id,
                    "channels": list(shared),
                }
            )
        return {"ok": True, "files": answered}
