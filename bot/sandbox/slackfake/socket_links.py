"""The connection side of the fake's Socket Mode server: links, tickets, hello, acks.

Why a module of its own: :mod:`.socket_mode` is what tests and the fake's HTTP
layer call (``apps.connections.open``, envelopes, refreshes, observations);
this module is what runs on the server's threads: accepting sockets, checking
each upgrade's ``/link/`` path and single-use ticket, saying ``hello``,
matching acks to waiting envelopes, pinging idle clients and closing
connections that were asked to refresh.  RFC 6455 itself lives in
:mod:`.websocket`.  Standard library only.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Final, Self
from urllib.parse import parse_qs, urlsplit

from .websocket import (
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL_ERROR,
    CLOSE_INVALID_DATA,
    CLOSE_NORMAL,
    CLOSE_UNSUPPORTED_DATA,
    OP_BINARY,
    OP_PING,
    OP_TEXT,
    TICK_SECONDS,
    Connection,
    HandshakeRefused,
    Hangup,
    ProtocolViolation,
    encode_frame,
    http_refusal,
    parse_upgrade,
    switching_protocols,
)

__all__ = [
    "ACK_TIMEOUT_SECONDS",
    "LINK_PATH",
    "REFRESH_GRACE_SECONDS",
    "SERVER_PING_SECONDS",
    "AckTimeoutError",
    "InvalidAckError",
    "LinkServer",
    "NotConnectedError",
    "Pending",
    "SlackConnection",
    "SocketModeError",
]

#: Slack's limit for acknowledging an envelope.
ACK_TIMEOUT_SECONDS: Final = 3.0
#: How often the server pings each client (Slack's servers ping too).
SERVER_PING_SECONDS: Final = 0.25
#: After ``disconnect``, how long an old connection may stay open with no successor.
REFRESH_GRACE_SECONDS: Final = 1.0
LINK_PATH: Final = "/link/"

_CLOSE_REPLY_SECONDS = 0.5


class SocketModeError(RuntimeError):
    """A delivery a test asked for could not happen the way Slack would make it."""


class NotConnectedError(SocketModeError):
    """No Socket Mode client was connected to receive an envelope."""


class AckTimeoutError(SocketModeError):
    """The client did not acknowledge an envelope within the time Slack allows."""


class InvalidAckError(SocketModeError):
    """The client acknowledged with something Slack would not accept."""


@dataclass
class Pending:
    """An envelope waiting for its ack."""

    envelope_id: str
    done: threading.Event = field(default_factory=threading.Event)
    payload: dict[str, Any] | None = None
    error: SocketModeError | None = None


class SlackConnection(Connection):
    """A WebSocket that speaks Socket Mode: readiness, refresh and ping state.

    The hooks hand the reading thread's idle ticks and control frames to the
    server, which owns the counters and the housekeeping rules.
    """

    def __init__(
        self,
        number: int,
        sock: socket.socket,
        peer: str,
        server: LinkServer,
    ) -> None:
        super().__init__(number, sock, peer)
        self.server = server
        self.ready = False
        self.retiring_since: float | None = None
        self.next_ping_at = 0.0
        self.pings_sent = 0

    def on_idle(self) -> None:
        self.server._housekeeping(self)

    def on_ping(self) -> None:
        self.server._count_control(pings=1)

    def on_pong(self) -> None:
        self.server._count_control(pongs=1)


class LinkServer:
    """The threads and state behind :class:`~.socket_mode.SocketModeServer`.

    Why a base class: the state (connections, tickets, pending acks,
    observations) is shared under one condition lock by the connection
    threads here and the test-facing methods in :mod:`.socket_mode`.
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
        self._connections: dict[int, SlackConnection] = {}
        self._opened = 0
        self._pending: dict[str, Pending] = {}
        self._sent: list[dict[str, Any]] = []
        self._received: list[dict[str, Any]] = []
        self._unmatched_acks: list[dict[str, Any]] = []
        self._pings_received = 0
        self._pongs_received = 0
        self._protocol_errors: list[str] = []
        self._internal_errors: list[str] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Listen on a free loopback port and accept in a thread; returns ``self``."""
        with self._lock:
            if self._listener is not None:
                raise RuntimeError("the Socket Mode server is already running")
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            listener.settimeout(TICK_SECONDS)
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

    # ------------------------------------------------------------- connections

    def _wait_for_target(self, deadline: float) -> SlackConnection:
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
                self._lock.wait(min(left, TICK_SECONDS))

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
                connection = SlackConnection(number, sock, f"{address[0]}:{address[1]}", self)
                thread = threading.Thread(
                    target=self._serve,
                    args=(connection,),
                    name=f"SlackFake-socket-conn:{self._port}#{number}",
                    daemon=True,
                )
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: SlackConnection) -> None:
        connection.open()
        try:
            if not self._handshake(connection):
                return
            self._welcome(connection)
            while True:
                self._on_message(connection, *connection.next_message())
        except ProtocolViolation as violation:
            with self._lock:
                self._protocol_errors.append(
                    f"connection #{connection.number}: {violation.reason} ({violation.code})"
                )
            connection.send_close(violation.code, violation.reason)
        except (Hangup, OSError):
            pass
        except Exception:
            with self._lock:
                self._internal_errors.append(traceback.format_exc())
            connection.send_close(CLOSE_INTERNAL_ERROR, "fake internal error")
        finally:
            with self._lock:
                self._connections.pop(connection.number, None)
                self._lock.notify_all()
            connection.close()

    def _welcome(self, connection: SlackConnection) -> None:
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

    def _handshake(self, connection: SlackConnection) -> bool:
        """Answer the HTTP upgrade; ``False`` (after an HTTP error reply) if refused."""
        try:
            request = parse_upgrade(connection.read_head())
            url = urlsplit(request.target)
            if url.path != LINK_PATH:
                raise HandshakeRefused(404, "not a Socket Mode link")
            ticket = (parse_qs(url.query).get("ticket") or [""])[0]
            with self._lock:
                known = ticket in self._tickets
                self._tickets.discard(ticket)  # single use, even if the rest fails later
            if not known:
                raise HandshakeRefused(401, "unknown or already used ticket")
        except HandshakeRefused as refused:
            with self._lock:  # recorded first, so it is there once the client reads the reply
                self._protocol_errors.append(
                    f"connection #{connection.number}: refused: {refused.reason}"
                )
            connection.send(http_refusal(refused))
            return False
        if not connection.send(switching_protocols(request.key)):
            raise Hangup("the client left during the handshake")
        return True

    # ---------------------------------------------------------------- messages

    def _count_control(self, *, pings: int = 0, pongs: int = 0) -> None:
        with self._lock:
            self._pings_received += pings
            self._pongs_received += pongs

    def _on_message(self, connection: SlackConnection, opcode: int, data: bytes) -> None:
        if opcode == OP_BINARY:
            raise ProtocolViolation(CLOSE_UNSUPPORTED_DATA, "Socket Mode messages are JSON text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation(CLOSE_INVALID_DATA, "text message is not UTF-8") from None
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

    def _housekeeping(self, connection: SlackConnection) -> None:
        """Shutdown, refresh and ping duties, checked on every tick of an idle socket."""
        now = time.monotonic()
        if self._stopping.is_set():
            connection.send_close(CLOSE_GOING_AWAY, "server stopping")
            raise Hangup("server stopping")
        if connection.close_sent_at is not None:
            if now - connection.close_sent_at > _CLOSE_REPLY_SECONDS:
                raise Hangup("no close reply")
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
