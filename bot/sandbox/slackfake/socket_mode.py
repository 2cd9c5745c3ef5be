"""Slack's Socket Mode for the fake: ``apps.connections.open`` and a WebSocket server.

Why: allybot's manifest turns Socket Mode on, so in production every slash command,
button press and event reaches the app as a JSON envelope over a WebSocket that
``slack_sdk``'s builtin client opened, and every answer is an acknowledgement
frame sent back on it.  Tests that only post signed HTTP never exercise that
path.  This module lets an unmodified ``SocketModeClient`` (or Bolt's
``SocketModeHandler``) connect to the fake over real loopback sockets, so the
transport the app really uses is the one under test.  Standard library only,
like the rest of the fake.

What is modelled:

* ``apps.connections.open``: needs an app-level (``xapp-``) token the fake
  knows; a known bot or user token gets ``not_allowed_token_type``, an unknown
  token ``invalid_auth``, none ``not_authed``.  It answers
  ``{"ok": true, "url": "ws://127.0.0.1:PORT/link/?ticket=...&app_id=..."}``;
  each ticket opens at most one connection.  An app-level token used on any
  other Web API method (``api.test`` aside) is refused with
  ``not_allowed_token_type``, as Slack does.
* RFC 6455 on the server side: the HTTP upgrade handshake (method, version 13,
  ``Upgrade``/``Connection`` headers, ``Sec-WebSocket-Key``/``Accept``);
  masked client frames (unmasked ones are a protocol error); 7-, 16- and 64-bit
  payload lengths; fragmented messages with control frames between fragments;
  UTF-8 checking of text; ping answered by a pong echoing its payload; the
  close handshake; violations close the connection with 1002/1003/1007/1009
  and are kept in :meth:`SocketModeServer.protocol_errors`.  Server frames are
  never masked and never fragmented (``slack_sdk`` does not reassemble them).
* Slack's messages: ``hello`` on connect (``num_connections``, ``debug_info``,
  ``connection_info.app_id``); envelopes of type ``events_api``,
  ``slash_commands`` and ``interactive`` with ``envelope_id``,
  ``accepts_response_payload`` and, for events, ``retry_attempt`` and
  ``retry_reason``; the client's ack ``{"envelope_id": ..., "payload": ...}``
  awaited for at most 3 seconds, Slack's limit; ``disconnect`` with reason
  ``refresh_requested``, after which the old connection is closed as soon as
  a newer one is up (or after a short grace period).
* Pings from the server every :data:`SERVER_PING_SECONDS`, as Slack's servers
  ping their clients; the client must answer with pongs.  This also wakes
  ``slack_sdk``'s blocking receive so that closing a client is prompt.

What is not modelled:

* TLS: URLs are ``ws://`` on loopback (``slack_sdk`` connects without TLS to
  any port but 443), never ``wss://``.
* Slack's own redelivery of events that were not acknowledged: a missing ack is
  reported to the test (:class:`AckTimeoutError`), which can resend with
  ``retry_attempt``/``retry_reason`` itself.
* ``disconnect`` reasons other than ``refresh_requested`` (``warning``,
  ``link_disabled``), the 10-connection limit, ticket expiry, refreshes on a
  timer, spreading envelopes over several connections (the newest one gets
  them all), ``permessage-deflate``, and the rule that ``apps.connections.open``
  refuses a token sent in the POST body (the fake's HTTP layer merges body and
  header tokens before this module sees them).
* Binary messages: Socket Mode is JSON text, so a binary message closes the
  connection with 1003.  The HTTP status for a refused upgrade (401 for an
  unknown or used ticket) is not documented by Slack; the fake picks it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
import secrets
import selectors
import socket
import struct
import threading
import time
import traceback
import uuid
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "ACK_TIMEOUT_SECONDS",
    "APP_TOKEN_PREFIX",
    "CONNECTIONS_OPEN_METHOD",
    "ENVELOPE_KINDS",
    "AckTimeoutError",
    "InvalidAckError",
    "NotConnectedError",
    "SocketModeError",
    "SocketModeServer",
    "accept_key",
    "encode_frame",
]

#: Slack's limit for acknowledging an envelope.
ACK_TIMEOUT_SECONDS: Final = 3.0
#: App-level tokens start with this; only they may open Socket Mode connections.
APP_TOKEN_PREFIX: Final = "xapp-"  # noqa: S105 -- a prefix, not a secret
CONNECTIONS_OPEN_METHOD: Final = "apps.connections.open"
#: The envelope types Slack sends; ``type`` of every envelope is one of these.
ENVELOPE_KINDS: Final = frozenset({"events_api", "slash_commands", "interactive"})
#: How often the server pings each client (Slack's servers ping too).
SERVER_PING_SECONDS: Final = 0.25
#: After ``disconnect``, how long an old connection may stay open with no successor.
REFRESH_GRACE_SECONDS: Final = 1.0
#: Refuse messages above this instead of buffering without bound.
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024
LINK_PATH: Final = "/link/"

OP_CONTINUATION: Final = 0x0
OP_TEXT: Final = 0x1
OP_BINARY: Final = 0x2
OP_CLOSE: Final = 0x8
OP_PING: Final = 0x9
OP_PONG: Final = 0xA

CLOSE_NORMAL: Final = 1000
CLOSE_GOING_AWAY: Final = 1001
CLOSE_PROTOCOL_ERROR: Final = 1002
CLOSE_UNSUPPORTED_DATA: Final = 1003
CLOSE_INVALID_DATA: Final = 1007
CLOSE_TOO_BIG: Final = 1009
CLOSE_INTERNAL_ERROR: Final = 1011

_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HANDSHAKE_BYTES = 16 * 1024
_HANDSHAKE_SECONDS = 5.0
_CLOSE_REPLY_SECONDS = 0.5
_SEND_TIMEOUT_SECONDS = 5.0
#: How often an idle connection's thread looks at pings, refreshes and shutdown.
_TICK_SECONDS = 0.05
_KNOWN_OPCODES = frozenset({OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG})
_HTTP_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    426: "Upgrade Required",
}


class SocketModeError(RuntimeError):
    """A delivery a test asked for could not happen the way Slack would make it."""


class NotConnectedError(SocketModeError):
    """No Socket Mode client was connected to receive an envelope."""


class AckTimeoutError(SocketModeError):
    """The client did not acknowledge an envelope within the time Slack allows."""


class InvalidAckError(SocketModeError):
    """The client acknowledged with something Slack would not accept."""


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (RFC 6455 section 4.2.2)."""
    digest = hashlib.sha1((key + _WEBSOCKET_GUID).encode("ascii"), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode("ascii")


def encode_frame(opcode: int, payload: bytes = b"", *, fin: bool = True) -> bytes:
    """One server-to-client frame; never masked, as RFC 6455 section 5.1 requires."""
    length = len(payload)
    first = (0x80 if fin else 0) | opcode
    if length <= 125:
        head = struct.pack("!BB", first, length)
    elif length <= 0xFFFF:
        head = struct.pack("!BBH", first, 126, length)
    else:
        head = struct.pack("!BBQ", first, 127, length)
    return head + payload


def _close_payload(code: int, reason: str) -> bytes:
    # A close reason must fit a 125-byte control frame with its 2-byte code.
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


def _unmask(data: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key, as one big integer: fast enough for megabytes."""
    if not data:
        return b""
    stream = (key * (len(data) // 4 + 1))[: len(data)]
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
    return mixed.to_bytes(len(data), "big")


class _ProtocolViolation(Exception):
    """The client broke RFC 6455; the connection is closed with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Hangup(Exception):
    """The connection is over (client left, close handshake done, server stopping)."""


@dataclass(frozen=True)
class _Frame:
    fin: bool
    opcode: int
    payload: bytes


@dataclass
class _Pending:
    """An envelope waiting for its ack."""

    envelope_id: str
    done: threading.Event = field(default_factory=threading.Event)
    payload: dict[str, Any] | None = None
    error: SocketModeError | None = None


class _Connection:
    """One client socket, read by its own thread; sends may come from any thread."""

    def __init__(self, number: int, sock: socket.socket, peer: str) -> None:
        self.number = number
        self.sock = sock
        self.peer = peer
        self.send_lock = threading.Lock()
        self.buffer = bytearray()
        self.ready = False
        self.retiring_since: float | None = None
        self.close_sent_at: float | None = None
        self.next_ping_at = 0.0
        self.pings_sent = 0
        self.fragment_opcode: int | None = None
        self.fragments = bytearray()

    def send(self, frame: bytes) -> bool:
        """Send whole frames under one lock so concurrent senders never interleave."""
        with self.send_lock:
            try:
                self.sock.sendall(frame)
            except OSError:
                return False
            return True

    def send_close(self, code: int, reason: str) -> None:
        if self.close_sent_at is None:
            self.close_sent_at = time.monotonic()
            self.send(encode_frame(OP_CLOSE, _close_payload(code, reason)))


class SocketModeServer:
    """Slack's Socket Mode endpoint on ``ws://127.0.0.1:PORT/link/``.

    :class:`~bot.sandbox.slackfake.SlackFake` owns one as ``fake.socket_mode``,
    starts and stops it with itself and routes ``apps.connections.open`` to
    :meth:`answer_app_token_call`.  Tests drive it with :meth:`send_envelope`
    and :meth:`request_refresh` and read :attr:`connections_opened`.
    """

    def __init__(
        self,
        *,
        app_id: str,
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
        ping_interval: float | None = SERVER_PING_SECONDS,
        refresh_grace: float = REFRESH_GRACE_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.ack_timeout = ack_timeout
        self.ping_interval = ping_interval
        self.refresh_grace = refresh_grace
        self._lock = threading.Condition(threading.RLock())
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._port = 0
        self._tickets: set[str] = set()
        self._tickets_issued = 0
        self._numbers = 0
        self._connections: dict[int, _Connection] = {}
        self._opened = 0
        self._pending: dict[str, _Pending] = {}
        self._sent: list[dict[str, Any]] = []
        self._received: list[dict[str, Any]] = []
        self._unmatched_acks: list[dict[str, Any]] = []
        self._pings_received = 0
        self._pongs_received = 0
        self._protocol_errors: list[str] = []
        self._internal_errors: list[str] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SocketModeServer:
        """Listen on a free loopback port and accept in a thread; returns ``self``."""
        with self._lock:
            if self._listener is not None:
                raise RuntimeError("the Socket Mode server is already running")
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            listener.settimeout(_TICK_SECONDS)
            self._stopping.clear()
            self._listener = listener
            self._port = int(listener.getsockname()[1])
            self._accept_thread = threading.Thread(
                target=self._accept_loop,
                args=(listener,),
                name=f"SlackFake-socket-accept:{self._port}",
                daemon=True,
            )
            self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Close every connection (1001), stop listening and join every thread.

        Safe to call twice.  Envelopes still waiting for an ack fail at once.
        """
        with self._lock:
            listener, accept_thread = self._listener, self._accept_thread
            self._listener, self._accept_thread = None, None
            if listener is None:
                return
            self._stopping.set()
            for pending in self._pending.values():
                pending.error = SocketModeError("the Socket Mode server stopped before the ack")
                pending.done.set()
        if accept_thread is not None:
            accept_thread.join(timeout=5)
        listener.close()
        with self._lock:
            threads = list(self._threads)
            self._threads.clear()
        for thread in threads:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._listener is not None

    @property
    def port(self) -> int:
        self._require_running()
        return self._port

    def _require_running(self) -> None:
        if self._listener is None:
            raise RuntimeError("the Socket Mode server is not running")

    # ---------------------------------------------------------- the Web API side

    def answer_app_token_call(
        self, method: str, token: str | None, known_tokens: Container[str]
    ) -> dict[str, Any] | None:
        """Slack's answer when app-level tokens are involved, else ``None``.

        Why one entry point: the fake's HTTP layer calls this before its own
        method table, so Socket Mode needs a single hook there.
        """
        is_app_token = token is not None and token.startswith(APP_TOKEN_PREFIX)
        if method == CONNECTIONS_OPEN_METHOD:
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token not in known_tokens:
                return {"ok": False, "error": "invalid_auth"}
            if not is_app_token:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self._issue_url()}
        if is_app_token and method != "api.test":
            if token not in known_tokens:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": False, "error": "not_allowed_token_type"}
        return None

    def _issue_url(self) -> str:
        ticket = secrets.token_urlsafe(18)
        with self._lock:
            self._require_running()
            self._tickets.add(ticket)
            self._tickets_issued += 1
            port = self._port
        return f"ws://127.0.0.1:{port}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    # ----------------------------------------------------------- the test side

    def send_envelope(
        self,
        kind: str,
        payload: Mapping[str, Any],
        retry_attempt: int = 0,
        retry_reason: str = "",
        *,
        accepts_response_payload: bool | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Deliver ``payload`` as Slack would and return the ack's payload (``{}`` if none).

        The newest connection that was not asked to refresh receives it; if
        there is none yet (a reconnect in progress) this waits up to
        ``timeout`` for one, then raises :class:`NotConnectedError`.  No ack
        within ``timeout`` (Slack's 3 seconds by default) raises
        :class:`AckTimeoutError`.  ``accepts_response_payload`` defaults to
        what Slack sends for the kind (see :func:`_accepts_response_payload`).
        """
        if kind not in ENVELOPE_KINDS:
            raise ValueError(f"envelope type must be one of {sorted(ENVELOPE_KINDS)}, not {kind!r}")
        limit = self.ack_timeout if timeout is None else timeout
        envelope_id = str(uuid.uuid4())
        accepts = accepts_response_payload
        if accepts is None:
            accepts = _accepts_response_payload(kind, payload)
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": accepts,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        connection = self._wait_for_target(time.monotonic() + limit)
        pending = _Pending(envelope_id)
        with self._lock:
            self._pending[envelope_id] = pending
            self._sent.append(envelope)
        try:
            frame = encode_frame(OP_TEXT, json.dumps(envelope).encode("utf-8"))
            if not connection.send(frame):
                raise NotConnectedError(
                    f"connection #{connection.number} broke while sending a {kind} envelope"
                )
            if not pending.done.wait(limit):
                raise AckTimeoutError(
                    f"no ack for {kind} envelope {envelope_id} within {limit:g} s "
                    "(Slack gives up after 3 s; did the app's listener call ack()?)"
                )
        finally:
            with self._lock:
                self._pending.pop(envelope_id, None)
        if pending.error is not None:
            raise pending.error
        return pending.payload or {}

    def request_refresh(self) -> int:
        """Send ``disconnect``/``refresh_requested`` to every open connection.

        Each told connection stops receiving envelopes and is closed once a
        newer connection is up, or after ``refresh_grace`` seconds; the client
        must call ``apps.connections.open`` again.  Returns how many were told.
        """
        now = time.monotonic()
        with self._lock:
            targets = [
                c for c in self._connections.values() if c.ready and c.retiring_since is None
            ]
            for connection in targets:
                connection.retiring_since = now
        message = {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "applink-slackfake"},
        }
        frame = encode_frame(OP_TEXT, json.dumps(message).encode("utf-8"))
        for connection in targets:
            connection.send(frame)
        return len(targets)

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` connections were opened in total (hello sent)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._opened < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    @property
    def connections_opened(self) -> int:
        """Completed handshakes since start, so a test can see a reconnect."""
        with self._lock:
            return self._opened

    @property
    def active_connections(self) -> int:
        with self._lock:
            return sum(1 for c in self._connections.values() if c.ready)

    @property
    def tickets_issued(self) -> int:
        with self._lock:
            return self._tickets_issued

    @property
    def pings_received(self) -> int:
        with self._lock:
            return self._pings_received

    @property
    def pongs_received(self) -> int:
        with self._lock:
            return self._pongs_received

    def sent(self) -> list[dict[str, Any]]:
        """Envelopes sent, oldest first."""
        with self._lock:
            return list(self._sent)

    def received(self) -> list[dict[str, Any]]:
        """Every JSON message the clients sent (acks, mostly), oldest first."""
        with self._lock:
            return list(self._received)

    def unmatched_acks(self) -> list[dict[str, Any]]:
        """Messages that answered no waiting envelope: unknown id, no id, or too late."""
        with self._lock:
            return list(self._unmatched_acks)

    def protocol_errors(self) -> list[str]:
        """Clients' protocol violations; a healthy run leaves this empty."""
        with self._lock:
            return list(self._protocol_errors)

    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in this module; a healthy run leaves this empty."""
        with self._lock:
            return list(self._internal_errors)

    # ------------------------------------------------------------- connections

    def _wait_for_target(self, deadline: float) -> _Connection:
        with self._lock:
            while True:
                candidates = [
                    c
                    for c in self._connections.values()
                    if c.ready and c.retiring_since is None and c.close_sent_at is None
                ]
                if candidates:
                    return max(candidates, key=lambda c: c.number)
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    raise NotConnectedError(
                        "no Socket Mode client is connected to receive the envelope "
                        f"({self._opened} connection(s) opened so far)"
                    )
                self._lock.wait(min(left, _TICK_SECONDS))

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                sock, address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._numbers += 1
                number = self._numbers
                connection = _Connection(number, sock, f"{address[0]}:{address[1]}")
                thread = threading.Thread(
                    target=self._serve,
                    args=(connection,),
                    name=f"SlackFake-socket-conn:{self._port}#{number}",
                    daemon=True,
                )
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: _Connection) -> None:
        sock = connection.sock
        sock.settimeout(_SEND_TIMEOUT_SECONDS)
        selector = selectors.DefaultSelector()
        selector.register(sock, selectors.EVENT_READ)
        try:
            if not self._handshake(connection, selector):
                return
            self._welcome(connection)
            while True:
                self._on_frame(connection, self._read_frame(connection, selector))
        except _ProtocolViolation as violation:
            with self._lock:
                self._protocol_errors.append(
                    f"connection #{connection.number}: {violation.reason} ({violation.code})"
                )
            connection.send_close(violation.code, violation.reason)
        except (_Hangup, OSError):
            pass
        except Exception:
            with self._lock:
                self._internal_errors.append(traceback.format_exc())
            connection.send_close(CLOSE_INTERNAL_ERROR, "fake internal error")
        finally:
            selector.close()
            with self._lock:
                self._connections.pop(connection.number, None)
                self._lock.notify_all()
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _welcome(self, connection: _Connection) -> None:
        """Send hello and make the connection usable as one step.

        Why under the connection's send lock: a test that has read hello may
        at once send an envelope or a refresh, so the connection must already
        count as ready; and nothing may reach the wire before hello.
        """
        with connection.send_lock:
            with self._lock:
                self._connections[connection.number] = connection
                count = len(self._connections)
                connection.ready = True
                connection.next_ping_at = time.monotonic() + (self.ping_interval or 0.0)
                self._opened += 1
                self._lock.notify_all()
            hello = {
                "type": "hello",
                "num_connections": count,
                "debug_info": {
                    "host": f"applink-slackfake-{connection.number}",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
            connection.sock.sendall(encode_frame(OP_TEXT, json.dumps(hello).encode("utf-8")))

    # ---------------------------------------------------------------- handshake

    def _handshake(self, connection: _Connection, selector: selectors.BaseSelector) -> bool:
        """Answer the HTTP upgrade; ``False`` (after an HTTP error reply) if refused."""
        deadline = time.monotonic() + _HANDSHAKE_SECONDS
        while b"\r\n\r\n" not in connection.buffer:
            if len(connection.buffer) > _MAX_HANDSHAKE_BYTES:
                return self._refuse(connection, 400, "request header too large")
            if time.monotonic() > deadline:
                return self._refuse(connection, 400, "incomplete handshake")
            self._receive(connection, selector)
        head, _, rest = bytes(connection.buffer).partition(b"\r\n\r\n")
        connection.buffer = bytearray(rest)
        try:
            lines = head.decode("latin-1").split("\r\n")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
            return self._refuse(connection, 400, "undecodable request")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return self._refuse(connection, 400, "malformed request line")
        verb, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                return self._refuse(connection, 400, "malformed header line")
            headers[name.strip().lower()] = value.strip()
        if verb != "GET":
            return self._refuse(connection, 405, "the upgrade must be a GET")
        http_version = re.fullmatch(r"HTTP/(\d+)\.(\d+)", version)
        if http_version is None or (int(http_version[1]), int(http_version[2])) < (1, 1):
            return self._refuse(connection, 400, "HTTP/1.1 or later is required")
        if "host" not in headers:
            return self._refuse(connection, 400, "missing Host header")
        if headers.get("upgrade", "").lower() != "websocket":
            return self._refuse(connection, 400, "Upgrade: websocket is required")
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        if "upgrade" not in tokens:
            return self._refuse(connection, 400, "Connection: Upgrade is required")
        if headers.get("sec-websocket-version") != "13":
            return self._refuse(
                connection, 426, "only WebSocket version 13", (("Sec-WebSocket-Version", "13"),)
            )
        key = headers.get("sec-websocket-key", "")
        try:
            if len(base64.b64decode(key, validate=True)) != 16:
                raise ValueError(key)
        except (binascii.Error, ValueError):
            return self._refuse(connection, 400, "Sec-WebSocket-Key must be 16 base64 bytes")
        url = urlsplit(target)
        if url.path != LINK_PATH:
            return self._refuse(connection, 404, "not a Socket Mode link")
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)  # single use, even if the rest fails later
        if not known:
            return self._refuse(connection, 401, "unknown or already used ticket")
        reply = (
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n"
            "\r\n"
        )
        if not connection.send(reply.encode("ascii")):
            raise _Hangup("the client left during the handshake")
        return True

    def _refuse(
        self,
        connection: _Connection,
        status: int,
        reason: str,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> bool:
        body = reason.encode("utf-8")
        lines = [
            f"HTTP/1.1 {status} {_HTTP_REASONS[status]}",
            "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{name}: {value}" for name, value in extra_headers),
        ]
        with self._lock:  # recorded first, so it is there once the client reads the reply
            self._protocol_errors.append(f"connection #{connection.number}: refused: {reason}")
        connection.send(("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body)
        return False

    # ------------------------------------------------------------------ frames

    def _receive(self, connection: _Connection, selector: selectors.BaseSelector) -> None:
        """Wait up to one tick for bytes, doing housekeeping; EOF ends the connection."""
        self._housekeeping(connection)
        if not selector.select(_TICK_SECONDS):
            return
        chunk = connection.sock.recv(65536)
        if not chunk:
            raise _Hangup("the client closed the TCP connection")
        connection.buffer += chunk

    def _take(self, connection: _Connection, selector: selectors.BaseSelector, n: int) -> bytes:
        while len(connection.buffer) < n:
            self._receive(connection, selector)
        data = bytes(connection.buffer[:n])
        del connection.buffer[:n]
        return data

    def _read_frame(self, connection: _Connection, selector: selectors.BaseSelector) -> _Frame:
        first, second = self._take(connection, selector, 2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        if first & 0x70:
            raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "reserved bits set, no extension")
        if opcode not in _KNOWN_OPCODES:
            raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
        if not second & 0x80:
            raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "client frames must be masked")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(connection, selector, 2))
            if length < 126:
                raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "length not minimally encoded")
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(connection, selector, 8))
            if length >> 63:
                raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "64-bit length has its top bit set")
            if length <= 0xFFFF:
                raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "length not minimally encoded")
        if opcode >= OP_CLOSE and (not fin or length > 125):
            raise _ProtocolViolation(
                CLOSE_PROTOCOL_ERROR, "control frames must be final and at most 125 bytes"
            )
        if length + len(connection.fragments) > MAX_MESSAGE_BYTES:
            raise _ProtocolViolation(CLOSE_TOO_BIG, f"message over {MAX_MESSAGE_BYTES} bytes")
        mask = self._take(connection, selector, 4)
        return _Frame(fin, opcode, _unmask(self._take(connection, selector, length), mask))

    def _on_frame(self, connection: _Connection, frame: _Frame) -> None:
        if frame.opcode == OP_PING:
            with self._lock:
                self._pings_received += 1
            connection.send(encode_frame(OP_PONG, frame.payload))
        elif frame.opcode == OP_PONG:
            with self._lock:
                self._pongs_received += 1
        elif frame.opcode == OP_CLOSE:
            self._on_close(connection, frame.payload)
        elif frame.opcode == OP_CONTINUATION:
            if connection.fragment_opcode is None:
                raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "continuation without a message")
            connection.fragments += frame.payload
            if frame.fin:
                opcode, data = connection.fragment_opcode, bytes(connection.fragments)
                connection.fragment_opcode, connection.fragments = None, bytearray()
                self._on_message(connection, opcode, data)
        else:
            if connection.fragment_opcode is not None:
                raise _ProtocolViolation(
                    CLOSE_PROTOCOL_ERROR, "new message before the fragmented one ended"
                )
            if frame.fin:
                self._on_message(connection, frame.opcode, frame.payload)
            else:
                connection.fragment_opcode = frame.opcode
                connection.fragments = bytearray(frame.payload)

    def _on_close(self, connection: _Connection, payload: bytes) -> None:
        if len(payload) == 1:
            raise _ProtocolViolation(CLOSE_PROTOCOL_ERROR, "close payload of one byte")
        code = struct.unpack("!H", payload[:2])[0] if payload else None
        try:
            payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise _ProtocolViolation(CLOSE_INVALID_DATA, "close reason is not UTF-8") from None
        if connection.close_sent_at is None:
            # Echo the client's code (RFC 6455 section 5.5.1), then the server hangs up first.
            connection.close_sent_at = time.monotonic()
            echo = struct.pack("!H", code) if code is not None else b""
            connection.send(encode_frame(OP_CLOSE, echo))
        raise _Hangup("close handshake complete")

    def _on_message(self, connection: _Connection, opcode: int, data: bytes) -> None:
        if opcode == OP_BINARY:
            raise _ProtocolViolation(CLOSE_UNSUPPORTED_DATA, "Socket Mode messages are JSON text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _ProtocolViolation(CLOSE_INVALID_DATA, "text message is not UTF-8") from None
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        with self._lock:
            if not isinstance(message, dict):
                self._protocol_errors.append(
                    f"connection #{connection.number}: message is not a JSON object: {text[:80]!r}"
                )
                return
            self._received.append(message)
            envelope_id = message.get("envelope_id")
            pending = self._pending.get(envelope_id) if isinstance(envelope_id, str) else None
            if pending is None:
                self._unmatched_acks.append(message)
                return
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            pending.error = InvalidAckError(
                f"ack payload must be a JSON object, not {payload!r:.100}"
            )
        else:
            pending.payload = payload or {}
        pending.done.set()

    # ------------------------------------------------------------- housekeeping

    def _housekeeping(self, connection: _Connection) -> None:
        """Shutdown, refresh and ping duties, checked on every tick of an idle socket."""
        now = time.monotonic()
        if self._stopping.is_set():
            connection.send_close(CLOSE_GOING_AWAY, "server stopping")
            raise _Hangup("server stopping")
        if connection.close_sent_at is not None:
            if now - connection.close_sent_at > _CLOSE_REPLY_SECONDS:
                raise _Hangup("no close reply")
            return
        if connection.retiring_since is not None:
            with self._lock:
                replaced = any(
                    c.ready and c.number > connection.number and c.retiring_since is None
                    for c in self._connections.values()
                )
            if replaced or now - connection.retiring_since >= self.refresh_grace:
                connection.send_close(CLOSE_NORMAL, "refresh_requested")
                return
        if connection.ready and self.ping_interval and now >= connection.next_ping_at:
            connection.next_ping_at = now + self.ping_interval
            connection.pings_sent += 1
            connection.send(encode_frame(OP_PING, f"slackfake:{connection.pings_sent}".encode()))


def _accepts_response_payload(kind: str, payload: Mapping[str, Any]) -> bool:
    """What Slack sets: slash commands, view submissions and option loads take a reply."""
    if kind == "slash_commands":
        return True
    if kind == "interactive":
        return payload.get("type") in {"view_submission", "block_suggestion"}
    return False
