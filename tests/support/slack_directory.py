"""A loopback front for the Slack fake that adds the directory it does not model.

Why a separate HTTP server rather than a change to the fake: the fake is another
engineer's (strict, stdlib-only) module and must not be edited, and its public API
has no hook for new methods. So this front answers what the fake lacks and
forwards every other request to it untouched, over HTTP:

* ``users.list`` (cursor-paginated, the workspace's own members only: people from
  other organisations never appear, as in Slack), with ``deleted``, ``is_bot``,
  ``is_restricted`` and ``is_ultra_restricted``;
* ``conversations.members`` (cursor-paginated; ``channel_not_found`` for unknown
  channels, and for private ones the bot is not in);
* ``users.info`` answers from the fake, with the guest flags and another
  organisation's ``team_id`` laid over them.

Deactivating someone also deactivates them in the fake (``add_user`` with
``deleted=True``), so the fake refuses DMs to them exactly as Slack does. Calls to
the methods answered here are recorded with the app's (frozen) clock, so tests can
check pacing in the app's time. No pytest import: the sandbox can use it too.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from bot.sandbox.slackfake import FakeUser, SlackFake

OWN_METHODS = ("users.list", "conversations.members")


@dataclass(frozen=True)
class DirectoryCall:
    method: str
    args: dict[str, Any]
    at: datetime
    status: int
    response: dict[str, Any]


@dataclass
class Person:
    user: FakeUser
    guest: str | None = None  # None | "multi" | "single"
    team_id: str | None = None  # another organisation's team id (Slack Connect)


@dataclass
class Channel:
    members: list[str]
    private: bool = False


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int


@dataclass
class _State:
    people: dict[str, Person] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    calls: list[DirectoryCall] = field(default_factory=list)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)


class SlackDirectory:
    """Serve ``users.list`` and ``conversations.members`` in front of a :class:`SlackFake`."""

    def __init__(
        self,
        fake: SlackFake,
        token: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        users: Iterable[FakeUser] = (),
    ) -> None:
        self.fake = fake
        self.token = token
        self.clock = clock
        self._state = _State()
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.add(FakeUser(id=fake.bot_user_id, real_name="Allyship Buddies", is_bot=True))
        for user in users:
            self.add(user)

    # -- the directory --------------------------------------------------------------------

    def add(self, user: FakeUser, *, guest: str | None = None, team_id: str | None = None) -> None:
        """Add (or replace) a person in the fake and here."""
        self.fake.add_user(user)
        with self._lock:
            self._state.people[user.id] = Person(user, guest, team_id)

    def deactivate(self, user_id: str) -> None:
        with self._lock:
            person = self._state.people[user_id]
            person.user = replace(person.user, deleted=True)
        self.fake.add_user(person.user)

    def make_guest(self, user_id: str, kind: str = "multi") -> None:
        with self._lock:
            self._state.people[user_id].guest = kind

    def set_channel(self, channel_id: str, members: Iterable[str], private: bool = False) -> None:
        with self._lock:
            self._state.channels[channel_id] = Channel(list(members), private)
        if not private:
            self.fake.add_channel(channel_id)

    def fail_next(
        self, method: str, status: int = 429, error: str | None = None, retry_after: int = 1
    ) -> None:
        with self._lock:
            self._state.failures.setdefault(method, deque()).append(
                _Failure(status, error, retry_after)
            )

    def calls(self, method: str | None = None) -> list[DirectoryCall]:
        with self._lock:
            return [c for c in self._state.calls if method is None or c.method == method]

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def start(self) -> SlackDirectory:
        directory = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                directory._serve(self)

            def do_POST(self) -> None:
                directory._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackDirectory:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ----------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        method = parts.path.removeprefix("/api/")
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if method not in (*OWN_METHODS, "users.info"):
            self._forward(request, body)
            return
        args = dict(parse_qsl(parts.query))
        content_type = request.headers.get("Content-Type") or ""
        if body and "json" in content_type:
            args.update(json.loads(body))
        elif body:
            args.update(parse_qsl(body.decode()))
        if method == "users.info":
            self._forward(request, body, overlay=True)
            return
        status, payload, headers = self._answer(method, args, request.headers)
        with self._lock:
            self._state.calls.append(DirectoryCall(method, args, self.clock(), status, payload))
        raw = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        for key, value in headers.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)

    def _answer(
        self, method: str, args: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            queue = self._state.failures.get(method)
            failure = queue.popleft() if queue else None
        if failure is not None:
            if failure.status == 429:
                return (
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(failure.retry_after)},
                )
            return failure.status, {"ok": False, "error": failure.error or "fatal_error"}, {}
        if (headers.get("Authorization") or "") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if method == "users.list":
            with self._lock:
                everyone = [
                    self._profile(p)
                    for _, p in sorted(self._state.people.items())
                    if p.team_id is None
                ]
            return 200, self._page(everyone, args), {}
        channel = self._state.channels.get(str(args.get("channel", "")))
        if channel is None or (channel.private and self.fake.bot_user_id not in channel.members):
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        return 200, self._page(list(channel.members), args), {}

    @staticmethod
    def _page(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        cursor = str(args.get("cursor") or "")
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
        end = start + limit
        following = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
        return {
            "ok": True,
            "members": items[start:end],
            "response_metadata": {"next_cursor": following},
        }

    def _profile(self, person: Person) -> dict[str, Any]:
        user = person.user
        offset = datetime.now(UTC).astimezone(ZoneInfo(user.tz)).utcoffset()
        return {
            "id": user.id,
            "team_id": person.team_id or self.fake.team_id,
            "name": user.name or user.id.lower(),
            "deleted": user.deleted,
            "is_bot": user.is_bot,
            "is_restricted": person.guest is not None,
            "is_ultra_restricted": person.guest == "single",
            "tz": user.tz,
            "tz_offset": user.tz_offset
            if user.tz_offset is not None
            else int(offset.total_seconds() if offset else 0),
        }

    def _forward(self, request: BaseHTTPRequestHandler, body: bytes, overlay: bool = False) -> None:
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type")
        }
        upstream = urllib.request.Request(
            self.fake.root_url + request.path,
            data=body if request.command == "POST" else None,
            headers=headers,
            method=request.command,
        )
        try:
            with urllib.request.urlopen(upstream, timeout=30) as answer:
                status, raw, answer_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as err:
            status, raw, answer_headers = err.code, err.read(), err.headers
        if overlay and status == 200:
            payload = json.loads(raw)
            user = payload.get("user")
            if isinstance(user, dict):
                with self._lock:
                    person = self._state.people.get(str(user.get("id")))
                if person is not None:
                    user["is_restricted"] = person.guest is not None
                    user["is_ultra_restricted"] = person.guest == "single"
                    if person.team_id:
                        user["team_id"] = person.team_id
            raw = json.dumps(payload).encode()
        request.send_response(status)
        for key in ("Content-Type", "Retry-After"):
            if answer_headers.get(key):
                request.send_header(key, answer_headers[key])
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)
