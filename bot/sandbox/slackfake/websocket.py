"""RFC 6455 on the server side, for the fake's Socket Mode endpoint.

Why a module of its own: the WebSocket rules (the upgrade handshake, framing,
masking, fragmentation, control frames, the close handshake) are independent of
what Slack sends over them, and :mod:`.socket_mode` reads more plainly when it
only speaks Slack's protocol (tickets, hello, envelopes, acks, refreshes).
Standard library only, like the rest of the fake.

What is modelled: the HTTP upgrade handshake (method, HTTP/1.1 or later,
``Host``, ``Upgrade``/``Connection`` headers, version 13,
``Sec-WebSocket-Key``/``Accept``); masked client frames (unmasked ones are a
protocol error); 7-, 16- and 64-bit payload lengths, minimally encoded;
fragmented messages with control frames between fragments; ping answered by a
pong echoing its payload; the close handshake.  Violations raise
:class:`ProtocolViolation` carrying the RFC close code (1002/1007/1009).  Server
frames are never masked and never fragmented (``slack_sdk`` does not reassemble
them).

What is not modelled: extensions (``permessage-deflate``), subprotocols and TLS.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Final

__all__ = [
    "MAX_MESSAGE_BYTES",
    "Connection",
    "Frame",
    "HandshakeRefused",
    "Hangup",
    "ProtocolViolation",
    "UpgradeRequest",
    "accept_key",
    "close_payload",
    "encode_frame",
    "http_refusal",
    "parse_upgrade",
    "switching_protocols",
    "unmask",
]

#: Refuse messages above this instead of buffering without bound.
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024

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

#: How long a connection waits for bytes before its idle hook runs again.
TICK_SECONDS: Final = 0.05
#: How long a client may take to send its whole upgrade request.
HANDSHAKE_SECONDS: Final = 5.0
SEND_TIMEOUT_SECONDS: Final = 5.0

_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HANDSHAKE_BYTES = 16 * 1024
_KNOWN_OPCODES = frozenset({OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG})
_HTTP_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    426: "Upgrade Required",
}


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


def close_payload(code: int, reason: str) -> bytes:
    """A close frame's body; the reason is cut to fit a 125-byte control frame.

    The cut falls on a character boundary: RFC 6455 section 5.5.1 wants the
    reason to be valid UTF-8, and a client may fail the connection if not.
    """
    cut = reason.encode("utf-8")[:123].decode("utf-8", "ignore")
    return struct.pack("!H", code) + cut.encode("utf-8")


def unmask(data: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key, as one big integer: fast enough for megabytes."""
    if not data:
        return b""
    stream = (key * (len(data) // 4 + 1))[: len(data)]
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
    return mixed.to_bytes(len(data), "big")


class ProtocolViolation(Exception):
    """The client broke RFC 6455; the connection is closed with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Hangup(Exception):
    """The connection is over (client left, close handshake done, server stopping)."""


class HandshakeRefused(Exception):
    """The upgrade request is refused with an HTTP ``status`` and a plain-text reason."""

    def __init__(
        self, status: int, reason: str, extra_headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.extra_headers = extra_headers


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: int
    payload: bytes


@dataclass(frozen=True)
class UpgradeRequest:
    """A valid upgrade request: what the caller still has to judge (path, query)."""

    target: str
    key: str
    headers: dict[str, str]


def parse_upgrade(head: bytes) -> UpgradeRequest:
    """Check an upgrade request's head (without the blank line) against RFC 6455 4.2.1.

    Raises :class:`HandshakeRefused` for the first rule broken, in the order a
    server reads the request: request line, headers, method, HTTP version,
    ``Host``, ``Upgrade``, ``Connection``, version, key.
    """
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise HandshakeRefused(400, "malformed request line")
    verb, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise HandshakeRefused(400, "malformed header line")
        headers[name.strip().lower()] = value.strip()
    if verb != "GET":
        raise HandshakeRefused(405, "the upgrade must be a GET")
    http_version = re.fullmatch(r"HTTP/(\d+)\.(\d+)", version)
    if http_version is None or (int(http_version[1]), int(http_version[2])) < (1, 1):
        raise HandshakeRefused(400, "HTTP/1.1 or later is required")
    if "host" not in headers:
        raise HandshakeRefused(400, "missing Host header")
    if headers.get("upgrade", "").lower() != "websocket":
        raise HandshakeRefused(400, "Upgrade: websocket is required")
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    if "upgrade" not in tokens:
        raise HandshakeRefused(400, "Connection: Upgrade is required")
    if headers.get("sec-websocket-version") != "13":
        raise HandshakeRefused(426, "only WebSocket version 13", (("Sec-WebSocket-Version", "13"),))
    key = headers.get("sec-websocket-key", "")
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            raise ValueError(key)
    except (binascii.Error, ValueError):
        raise HandshakeRefused(400, "Sec-WebSocket-Key must be 16 base64 bytes") from None
    return UpgradeRequest(target, key, headers)


def switching_protocols(key: str) -> bytes:
    """The 101 reply that completes the handshake for ``key``."""
    reply = (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n"
        "\r\n"
    )
    return reply.encode("ascii")


def http_refusal(refused: HandshakeRefused) -> bytes:
    """The HTTP error reply for a refused upgrade; the connection closes after it."""
    body = refused.reason.encode("utf-8")
    lines = [
        f"HTTP/1.1 {refused.status} {_HTTP_REASONS[refused.status]}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in refused.extra_headers),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


class Connection:
    """One client socket, read by its own thread; sends may come from any thread.

    Why hooks rather than callbacks everywhere: the reading thread blocks at
    most one :data:`TICK_SECONDS` at a time and calls :meth:`on_idle` before
    each wait, so a subclass can do its protocol's housekeeping (pings,
    shutdown) on the same thread; :meth:`on_ping` and :meth:`on_pong` let it
    count control frames.  Raising :class:`Hangup` from a hook ends reading.
    """

    def __init__(self, number: int, sock: socket.socket, peer: str) -> None:
        self.number = number
        self.sock = sock
        self.peer = peer
        self.send_lock = threading.Lock()
        self.buffer = bytearray()
        self.close_sent_at: float | None = None
        self.fragment_opcode: int | None = None
        self.fragments = bytearray()
        self._selector: selectors.BaseSelector | None = None

    # ------------------------------------------------------------------ hooks

    def on_idle(self) -> None:
        """Called before every wait for bytes; the default does nothing."""

    def on_ping(self) -> None:
        """Called for each ping, before its pong is sent."""

    def on_pong(self) -> None:
        """Called for each pong."""

    # ---------------------------------------------------------------- writing

    def send(self, frame: bytes) -> bool:
        """Send whole frames under one lock so concurrent senders never interleave."""
        with self.send_lock:
            try:
                self.sock.sendall(frame)
            except OSError:
                return False
            return True

    def send_close(self, code: int, reason: str) -> None:
        """Start the close handshake once; later calls do nothing."""
        if self.close_sent_at is None:
            self.close_sent_at = time.monotonic()
            self.send(encode_frame(OP_CLOSE, close_payload(code, reason)))

    # ---------------------------------------------------------------- reading

    def open(self) -> None:
        """Prepare the socket for reading on this thread (call before any read)."""
        self.sock.settimeout(SEND_TIMEOUT_SECONDS)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.sock, selectors.EVENT_READ)

    def close(self) -> None:
        """Release the selector and the socket; safe after any failure."""
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def receive(self) -> None:
        """Wait up to one tick for bytes, doing housekeeping; EOF ends the connection."""
        self.on_idle()
        if self._selector is None:
            raise RuntimeError("Connection.open() was not called")
        if not self._selector.select(TICK_SECONDS):
            return
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Hangup("the client closed the TCP connection")
        self.buffer += chunk

    def take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.receive()
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def read_head(self) -> bytes:
        """The upgrade request's head; :class:`HandshakeRefused` if too big or too slow."""
        deadline = time.monotonic() + HANDSHAKE_SECONDS
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > _MAX_HANDSHAKE_BYTES:
                raise HandshakeRefused(400, "request header too large")
            if time.monotonic() > deadline:
                raise HandshakeRefused(400, "incomplete handshake")
            self.receive()
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        self.buffer = bytearray(rest)
        return head

    def read_frame(self) -> Frame:
        first, second = self.take(2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        if first & 0x70:
            raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "reserved bits set, no extension")
        if opcode not in _KNOWN_OPCODES:
            raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
        if not second & 0x80:
            raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "client frames must be masked")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.take(2))
            if length < 126:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "length not minimally encoded")
        elif length == 127:
            (length,) = struct.unpack("!Q", self.take(8))
            if length >> 63:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "64-bit length has its top bit set")
            if length <= 0xFFFF:
                raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "length not minimally encoded")
        if opcode >= OP_CLOSE and (not fin or length > 125):
            raise ProtocolViolation(
                CLOSE_PROTOCOL_ERROR, "control frames must be final and at most 125 bytes"
            )
        if length + len(self.fragments) > MAX_MESSAGE_BYTES:
            raise ProtocolViolation(CLOSE_TOO_BIG, f"message over {MAX_MESSAGE_BYTES} bytes")
        mask = self.take(4)
        return Frame(fin, opcode, unmask(self.take(length), mask))

    def next_message(self) -> tuple[int, bytes]:
        """The next whole data message as ``(opcode, data)``, answering control frames.

        A close frame completes the close handshake and raises :class:`Hangup`.
        """
        while True:
            frame = self.read_frame()
            if frame.opcode == OP_PING:
                self.on_ping()
                self.send(encode_frame(OP_PONG, frame.payload))
            elif frame.opcode == OP_PONG:
                self.on_pong()
            elif frame.opcode == OP_CLOSE:
                self._on_close(frame.payload)
            elif frame.opcode == OP_CONTINUATION:
                if self.fragment_opcode is None:
                    raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "continuation without a message")
                self.fragments += frame.payload
                if frame.fin:
                    opcode, data = self.fragment_opcode, bytes(self.fragments)
                    self.fragment_opcode, self.fragments = None, bytearray()
                    return opcode, data
            else:
                if self.fragment_opcode is not None:
                    raise ProtocolViolation(
                        CLOSE_PROTOCOL_ERROR, "new message before the fragmented one ended"
                    )
                if frame.fin:
                    return frame.opcode, frame.payload
                self.fragment_opcode = frame.opcode
                self.fragments = bytearray(frame.payload)

    def _on_close(self, payload: bytes) -> None:
        if len(payload) == 1:
            raise ProtocolViolation(CLOSE_PROTOCOL_ERROR, "close payload of one byte")
        code = struct.unpack("!H", payload[:2])[0] if payload else None
        try:
            payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation(CLOSE_INVALID_DATA, "close reason is not UTF-8") from None
        if self.close_sent_at is None:
            # Echo the client's code (RFC 6455 section 5.5.1), then the server hangs up first.
            self.close_sent_at = time.monotonic()
            echo = struct.pack("!H", code) if code is not None else b""
            self.send(encode_frame(OP_CLOSE, echo))
        raise Hangup("close handshake complete")
