"""Value types and constants of the Slack fake.

Why a module of its own: every other part of the fake (wire decoding, limits,
method handlers, the server) needs these, and keeping them free of behaviour
keeps the import graph a tree.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The bot token the fake accepts unless told otherwise.
DEFAULT_TOKEN = "xoxb-test-token"  # noqa: S105 -- a fixture value, not a secret
#: Pseudo method name under which POSTs to a ``response_url`` are recorded.
RESPONSE_URL_METHOD = "response_url"
#: Pseudo method name under which byte uploads to an upload URL are recorded.
UPLOAD_METHOD = "upload_url"

#: Form fields Slack expects to carry JSON; decoded so tests see Python objects.
JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "user_auth_blocks", "message"}
)
#: Slack truncates message ``text`` beyond this many characters (it does not refuse).
MAX_TEXT_CHARS = 40_000
MAX_MPIM_USERS = 8
#: Refuse absurd bodies instead of reading them into memory.
MAX_BODY_BYTES = 64 * 1024 * 1024

USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})


@dataclass(frozen=True)
class Call:
    """One request the fake answered, as recorded for assertions.

    ``args`` merges query string, form and JSON body (token removed, JSON-valued
    form fields decoded).  ``target`` names the response URL or file id for the
    pseudo methods :data:`RESPONSE_URL_METHOD` and :data:`UPLOAD_METHOD`.  For
    response URLs, whose wire answer is a bare error name,
    ``response["errors"]`` keeps the Block Kit problems found.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any]
    at: float
    target: str | None = None
    #: True when a test script (``fail_next``, ``fail_every``, ``set_error``, a
    #: rate limit) decided the answer rather than Slack's own rules.
    scripted: bool = False

    @property
    def ok(self) -> bool:
        """True when Slack would have reported success (HTTP 200 and ``ok``)."""
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def refused(self) -> bool:
        """True when Slack itself would have refused this request's payload."""
        return not self.ok and not self.scripted


@dataclass(frozen=True)
class FakeUser:
    """A workspace member as ``users.info`` and ``users.list`` report it.

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
    #: Guests: ``is_restricted`` (multi-channel), both flags (single-channel).
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    #: Another organisation's team id (Slack Connect); None: this workspace.
    team_id: str | None = None

    def __post_init__(self) -> None:
        if not USER_ID.fullmatch(self.id):
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


@dataclass
class Upload:
    """An upload between ``files.getUploadURLExternal`` and its completion."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None
    completed: bool = False


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


class SlackError(Exception):
    """Raised inside method handlers; becomes ``{"ok": false, "error": ...}``.

    ``detail`` goes to ``response_metadata.messages`` as ``[ERROR] detail``;
    ``errors`` (Block Kit validation) also goes to a top-level ``errors`` list,
    which is where Slack puts them for ``invalid_blocks``.
    """

    def __init__(
        self,
        error: str,
        detail: str | None = None,
        *,
        errors: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail
        self.errors = errors
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        """The Slack-shaped answer for this refusal."""
        payload: dict[str, Any] = {"ok": False, "error": self.error}
        messages: list[str] = []
        if self.detail:
            messages.append(f"[ERROR] {self.detail}")
        if self.errors:
            messages.extend(f"[ERROR] {message}" for message in self.errors)
        if self.extra:
            payload.update(self.extra)
        if self.errors is not None and self.error == "invalid_blocks":
            payload["errors"] = list(self.errors)
        if messages:
            payload["response_metadata"] = {"messages": messages}
        return payload
