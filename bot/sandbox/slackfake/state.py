"""The fake workspace's state and the lookups every method handler shares.

Why a base class: the method handlers live in several modules (chat, views,
conversations, files) but act on one workspace under one lock; a common base
declares that state once so each handler module type-checks on its own and
none imports another.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .limits import Limits
from .models import (
    CHANNEL_ID,
    DEFAULT_TOKEN,
    USER_ID,
    Call,
    FakeFile,
    FakeUser,
    SlackError,
    Upload,
)
from .server import QuietServer
from .socket_mode import SocketModeServer
from .wire import stable_id

#: A Web API method handler: decoded args in, Slack's JSON answer out.
MethodHandler = Callable[[dict[str, Any]], dict[str, Any]]


class FakeState:
    """Workspace state (users, channels, messages, views, files) and shared lookups."""

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
        self._channel_members: dict[str, list[str]] = {}
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
        #: Socket Mode: ``apps.connections.open`` and its WebSocket (socket_mode.py).
        self.socket_mode = SocketModeServer(app_id=app_id)
        self._server: QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._internal_errors: list[str] = []
        self._reset_state()

    def _reset_state(self) -> None:
        self._limits = Limits()
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._im_user: dict[str, str] = {}
        self._mpim_members: dict[str, tuple[str, ...]] = {}
        self._opened: set[str] = set()
        self._views: dict[str, dict[str, Any]] = {}
        self._view_by_external_id: dict[str, str] = {}
        self._home_view_by_user: dict[str, str] = {}
        self._uploads: dict[str, Upload] = {}
        self._files: list[FakeFile] = []
        self._last_ts_us = 0
        self._ids = itertools.count(1)

    # -------------------------------------------------------------- configuration

    def add_user(self, user: FakeUser) -> None:
        """Add or replace a workspace member."""
        with self._lock:
            self._users[user.id] = user

    def add_channel(self, channel_id: str, members: Sequence[str] | None = None) -> None:
        """Declare a channel that exists (matters in strict mode), and optionally who is
        in it (what ``conversations.members`` answers)."""
        if not CHANNEL_ID.fullmatch(channel_id):
            raise ValueError(f"{channel_id!r} does not look like a channel id")
        with self._lock:
            self._channels.add(channel_id)
            if members is not None:
                self._channel_members[channel_id] = list(members)

    # ------------------------------------------------------------------ addresses

    @property
    def running(self) -> bool:
        """Whether the server is bound and serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound loopback port (known once started)."""
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

    # -------------------------------------------------------------------- helpers

    def _next_ts(self) -> str:
        """Slack message timestamps: epoch seconds with microseconds, unique and rising."""
        now_us = int(self._wall_clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _dm_id(self, user_id: str) -> str:
        return stable_id("D", f"im:{user_id}")

    def _check_user(self, user_id: str, *, for_dm: bool) -> None:
        """Refuse user ids Slack would refuse; ``for_dm`` adds deactivation checks.

        A workspace knows all its members, so an id the fake was not given is
        ``user_not_found`` whatever ``strict`` says.
        """
        if not USER_ID.fullmatch(user_id):
            raise SlackError("user_not_found")
        user = self._users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        if for_dm and user.deleted:
            raise SlackError("user_disabled")

    def _resolve_channel(self, channel: Any) -> str:
        """Map a channel argument to a channel id; a user id opens their DM.

        DM (``D``) and group DM (``G``) ids exist only once Slack has issued them
        (``conversations.open``, a post to a user id) or a test declared them with
        :meth:`add_channel`; members likewise must be known.  Public channel
        (``C``) ids are taken on trust unless ``strict``: the fake cannot know a
        real workspace's channels, so tests need not declare each one.
        """
        if not isinstance(channel, str) or not channel:
            raise SlackError("channel_not_found")
        if USER_ID.fullmatch(channel):
            user = self._users.get(channel)
            if user is None:
                raise SlackError("channel_not_found")
            if user.deleted:
                # Undocumented for chat.*; mirrors conversations.open's refusal.
                raise SlackError("user_disabled")
            dm = self._dm_id(channel)
            self._im_user[dm] = channel
            return dm
        if not CHANNEL_ID.fullmatch(channel):
            raise SlackError("channel_not_found")
        known = (
            channel in self._channels or channel in self._im_user or channel in self._mpim_members
        )
        if not known and (self._strict or channel[0] in "DG"):
            raise SlackError("channel_not_found")
        return channel

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
