"""Tests of the fake's Socket Mode server, over real loopback sockets.

Why slack_sdk's own ``SocketModeClient``: the server is only useful if the
client the app runs in production accepts it (its handshake check, its frame
parser, its reconnect logic).  A few tests speak raw RFC 6455 instead, for
what slack_sdk never sends (fragments, unmasked or binary frames, bad tickets).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.sandbox.slackfake import DEFAULT_TOKEN, SlackFake
from bot.sandbox.slackfake.socket_mode import (
    AckTimeoutError,
    NotConnectedError,
    SocketModeServer,
    accept_key,
)
from tests.support.socket_mode import connect_and_wait_for_hello

APP_TOKEN = "xapp-1-A0ALLYBOT-1-fixture"
RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3's worked example

Listener = Callable[[BaseSocketModeClient, SocketModeRequest], None]


def wait_until(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def no_thread_leaks() -> Iterator[None]:
    """Every thread started by a test (fake, clients) must be gone after teardown."""
    before = set(threading.enumerate())
    yield
    assert wait_until(lambda: set(threading.enumerate()) <= before, timeout=3), (
        f"threads left behind: {set(threading.enumerate()) - before}"
    )


@pytest.fixture
def fake(no_thread_leaks: None) -> Iterator[SlackFake]:
    with SlackFake(tokens=[DEFAULT_TOKEN, APP_TOKEN]) as running:
        yield running
    assert running.internal_errors() == []
    assert running.socket_mode.internal_errors() == []
    assert not running.socket_mode.running


@pytest.fixture
def server(fake: SlackFake) -> SocketModeServer:
    return fake.socket_mode


@pytest.fixture
def make_client(fake: SlackFake) -> Iterator[Callable[..., SocketModeClient]]:
    """slack_sdk's builtin client against the fake; closed before the fake stops."""
    clients: list[SocketModeClient] = []

    def make(
        listener: Listener | None = None,
        messages: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> SocketModeClient:
        client = SocketModeClient(
            app_token=APP_TOKEN, web_client=WebClient(base_url=fake.base_url), **options
        )
        clients.append(client)
        if listener is not None:
            client.socket_mode_request_listeners.append(listener)
        if messages is not None:
            # Raw frames, so the disconnect that slack_sdk handles itself is seen too.
            client.on_message_listeners.append(lambda text: messages.append(json.loads(text)))
        return client

    yield make
    for client in clients:
        client.close()


def acking(payload: dict[str, Any] | None = None) -> Listener:
    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload))

    return listener


def connections_open(fake: SlackFake, token: str | None) -> dict[str, Any]:
    """``apps.connections.open`` as slack_sdk calls it; Slack-level errors are returned."""
    client = WebClient(base_url=fake.base_url, retry_handlers=[])
    try:
        if token is None:
            reply = client.api_call("apps.connections.open", http_verb="POST")
            reply.validate()  # type: ignore[no-untyped-call]
        else:
            reply = client.apps_connections_open(app_token=token)
        return dict(reply.data)  # type: ignore[arg-type]
    except SlackApiError as err:
        return dict(err.response.data)


# ------------------------------------------------------------------ raw client


class RawClient:
    """A minimal RFC 6455 client written independently of the server's encoder."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.target = f"{parts.path}?{parts.query}"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=3)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def handshake(self, key: str = RFC_KEY, version: str = "13") -> tuple[int, dict[str, str]]:
        request = (
            f"GET {self.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: {version}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split(" ")[1]), headers

    def send_frame(
        self, opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True
    ) -> None:
        first = (0x80 if fin else 0) | opcode
        n = len(payload)
        bit = 0x80 if mask else 0
        if n < 126:
            head = bytes([first, bit | n])
        elif n < 65536:
            head = bytes([first, bit | 126]) + struct.pack("!H", n)
        else:
            head = bytes([first, bit | 127]) + struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        self.sock.sendall(head + payload)

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv_frame(self) -> tuple[bool, int, bytes]:
        first, second = self._take(2)
        assert not second & 0x80, "server frames must not be masked"
        n = second & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._take(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._take(8))
        return bool(first & 0x80), first & 0x0F, self._take(n)

    def recv_message(self) -> tuple[int, bytes]:
        """The next data or close frame, skipping the server's pings."""
        while True:
            _fin, opcode, payload = self.recv_frame()
            if opcode != 0x9:
                return opcode, payload

    def recv_json(self) -> dict[str, Any]:
        opcode, payload = self.recv_message()
        assert opcode == 0x1, f"expected a text frame, got opcode {opcode:#x}"
        message: dict[str, Any] = json.loads(payload)
        return message


@pytest.fixture
def raw(fake: SlackFake) -> Iterator[Callable[[str | None], RawClient]]:
    opened: list[RawClient] = []

    def connect(url: str | None = None) -> RawClient:
        client = RawClient(url or connections_open(fake, APP_TOKEN)["url"])
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


def close_code(payload: bytes) -> int:
    code: int = struct.unpack("!H", payload[:2])[0]
    return code


# --------------------------------------------------------- apps.connections.open


def test_connections_open_wants_an_app_level_token(fake: SlackFake) -> None:
    opened = connections_open(fake, APP_TOKEN)
    assert opened["ok"] is True
    url = urlsplit(opened["url"])
    assert (url.scheme, url.hostname, url.port) == ("ws", "127.0.0.1", fake.socket_mode.port)
    assert url.path == "/link/" and "ticket=" in url.query and "app_id=A0ALLYBOT" in url.query
    assert connections_open(fake, DEFAULT_TOKEN)["error"] == "not_allowed_token_type"
    assert connections_open(fake, "xapp-1-unknown")["error"] == "invalid_auth"
    assert connections_open(fake, None)["error"] == "not_authed"
    assert fake.socket_mode.tickets_issued == 1
    assert fake.count("apps.connections.open") == 4


def test_app_level_token_is_refused_by_other_methods(fake: SlackFake) -> None:
    client = WebClient(token=APP_TOKEN, base_url=fake.base_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert client.api_test()["ok"] is True
    bot = WebClient(token=DEFAULT_TOKEN, base_url=fake.base_url, retry_handlers=[])
    assert bot.chat_postMessage(channel="C0GENERAL", text="hi")["ok"] is True


# -------------------------------------------------------------------- handshake


def test_handshake_answers_the_rfc_example_and_says_hello(raw: Callable[..., RawClient]) -> None:
    assert accept_key(RFC_KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    client = raw()
    status, headers = client.handshake()
    assert status == 101
    assert headers["upgrade"].lower() == "websocket"
    assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    hello = client.recv_json()
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": "A0ALLYBOT"}
    assert {"host", "build_number", "approximate_connection_time"} <= hello["debug_info"].keys()


def test_bad_upgrades_are_refused(fake: SlackFake, raw: Callable[..., RawClient]) -> None:
    status, headers = raw().handshake(version="8")
    assert (status, headers["sec-websocket-version"]) == (426, "13")
    assert raw().handshake(key=base64.b64encode(b"too short").decode())[0] == 400
    port = fake.socket_mode.port
    assert raw(f"ws://127.0.0.1:{port}/elsewhere/?ticket=x").handshake()[0] == 404
    assert raw(f"ws://127.0.0.1:{port}/link/?ticket=guessed").handshake()[0] == 401
    assert fake.socket_mode.connections_opened == 0
    assert len(fake.socket_mode.protocol_errors()) == 4


def test_slack_sdk_client_connects_and_gets_hello(
    server: SocketModeServer, make_client: Callable[..., SocketModeClient]
) -> None:
    messages: list[dict[str, Any]] = []
    client = make_client(messages=messages)
    connect_and_wait_for_hello(client)
    assert client.is_connected()
    assert server.wait_for_connections(1)
    assert wait_until(lambda: any(m.get("type") == "hello" for m in messages))
    hello = next(m for m in messages if m.get("type") == "hello")
    assert hello["num_connections"] == 1 and hello["connection_info"]["app_id"] == "A0ALLYBOT"
    second = make_client()
    connect_and_wait_for_hello(second)
    assert server.wait_for_connections(2)
    assert server.active_connections == 2
    assert server.protocol_errors() == []


def test_a_ticket_opens_one_connection_only(
    fake: SlackFake, raw: Callable[..., RawClient], make_client: Callable[..., SocketModeClient]
) -> None:
    url = connections_open(fake, APP_TOKEN)["url"]
    assert raw(url).handshake()[0] == 101
    assert raw(url).handshake()[0] == 401
    # slack_sdk given the used URL: its handshake is refused, it does not connect.
    client = make_client(auto_reconnect_enabled=False)
    client.wss_uri = url
    client.connect()  # a refused handshake: no session, so no hello to wait for
    assert not client.is_connected()
    assert fake.socket_mode.connections_opened == 1
    assert sum("ticket" in e for e in fake.socket_mode.protocol_errors()) == 2


# -------------------------------------------------------------- envelopes, acks


def test_envelope_is_acknowledged_with_its_payload(
    server: SocketModeServer, make_client: Callable[..., SocketModeClient]
) -> None:
    seen: list[SocketModeRequest] = []

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        seen.append(request)
        answer = (
            {"text": f"got {request.payload['text']}"} if request.type != "events_api" else None
        )
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, answer))

    connect_and_wait_for_hello(make_client(listener))
    ack = server.send_envelope("slash_commands", {"command": "/ally", "text": "help"})
    assert ack == {"text": "got help"}
    assert server.send_envelope("events_api", {"event": {"type": "x"}}, 2, "http_timeout") == {}
    command, event = seen
    assert (command.type, command.accepts_response_payload) == ("slash_commands", True)
    assert (event.type, event.accepts_response_payload) == ("events_api", False)
    assert (event.retry_attempt, event.retry_reason) == (2, "http_timeout")
    sent = server.sent()
    assert "retry_attempt" not in sent[0] and sent[1]["retry_attempt"] == 2
    assert [m["envelope_id"] for m in server.received()] == [e["envelope_id"] for e in sent]
    assert server.unmatched_acks() == [] and server.protocol_errors() == []


@pytest.mark.parametrize("size", [126, 65_535, 65_536, 100_000])
def test_frames_of_every_length_encoding_cross_both_ways(
    server: SocketModeServer, make_client: Callable[..., SocketModeClient], size: int
) -> None:
    """125/126 and 65535/65536 are where RFC 6455 switches length encodings."""

    def echo(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        text = request.payload["text"]
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, {"echo": text}))

    connect_and_wait_for_hello(make_client(echo))
    text = "é" * (size // 2) + "x" * (size % 2)  # multi-byte UTF-8 across frame reads
    assert server.send_envelope("interactive", {"type": "block_actions", "text": text}) == {
        "echo": text
    }
    assert server.protocol_errors() == []


def test_missing_ack_times_out_and_a_late_ack_is_noted(
    server: SocketModeServer, make_client: Callable[..., SocketModeClient]
) -> None:
    held: list[SocketModeRequest] = []
    client = make_client(lambda _client, request: held.append(request))
    connect_and_wait_for_hello(client)
    started = time.monotonic()
    with pytest.raises(AckTimeoutError, match="no ack for events_api"):
        server.send_envelope("events_api", {"event": {}}, timeout=0.3)
    assert time.monotonic() - started < 1.5
    client.send_socket_mode_response(SocketModeResponse(held[0].envelope_id))
    assert wait_until(lambda: len(server.unmatched_acks()) == 1)


def test_nobody_connected_is_a_clear_error(server: SocketModeServer) -> None:
    with pytest.raises(NotConnectedError, match="no Socket Mode client is connected"):
        server.send_envelope("slash_commands", {"text": "help"}, timeout=0.2)
    with pytest.raises(ValueError, match="envelope type"):
        server.send_envelope("block_actions", {}, timeout=0.2)


# ---------------------------------------------------------------- ping and pong


def test_pings_are_answered_both_ways(
    server: SocketModeServer, make_client: Callable[..., SocketModeClient]
) -> None:
    client = make_client()
    connect_and_wait_for_hello(client)
    session = client.current_session
    assert session is not None
    # slack_sdk pings right after its handshake and trusts only pongs echoing its payload.
    assert wait_until(lambda: session.last_ping_pong_time is not None)
    assert server.pings_received >= 1
    # The server pings too; slack_sdk must pong.
    assert wait_until(lambda: server.pongs_received >= 1)


# ------------------------------------------------------------- refresh and close


def test_refresh_requested_makes_the_client_reconnect(
    fake: SlackFake, server: SocketModeServer, make_client: Callable[..., SocketModeClient]
) -> None:
    messages: list[dict[str, Any]] = []
    client = make_client(acking({"n": 1}), messages)
    connect_and_wait_for_hello(client)
    assert server.wait_for_connections(1)
    first_session = client.session_id()
    assert server.request_refresh() == 1
    assert server.wait_for_connections(2)
    assert wait_until(lambda: server.active_connections == 1)
    assert fake.count("apps.connections.open") == 2
    assert client.session_id() != first_session
    assert {"type": "disconnect", "reason": "refresh_requested"}.items() <= next(
        m for m in messages if m.get("type") == "disconnect"
    ).items()
    assert server.send_envelope("slash_commands", {"text": "after"}) == {"n": 1}
    assert server.protocol_errors() == []


def test_old_connection_is_closed_after_the_grace_period(
    server: SocketModeServer, raw: Callable[..., RawClient]
) -> None:
    client = raw()
    assert client.handshake()[0] == 101
    assert client.recv_json()["type"] == "hello"
    assert server.request_refresh() == 1
    assert client.recv_json() == {
        "type": "disconnect",
        "reason": "refresh_requested",
        "debug_info": {"host": "applink-slackfake"},
    }
    with pytest.raises(NotConnectedError):
        server.send_envelope("events_api", {}, timeout=0.1)  # a refreshing link gets nothing
    opcode, payload = client.recv_message()
    assert (opcode, close_code(payload), payload[2:]) == (0x8, 1000, b"refresh_requested")


def test_stop_closes_connections_and_leaves_no_threads(
    fake: SlackFake, raw: Callable[..., RawClient], make_client: Callable[..., SocketModeClient]
) -> None:
    closes: list[int] = []
    client = make_client(
        auto_reconnect_enabled=False, on_close_listeners=[lambda code, _reason: closes.append(code)]
    )
    connect_and_wait_for_hello(client)
    watcher = raw()
    assert watcher.handshake()[0] == 101
    assert watcher.recv_json()["type"] == "hello"
    fake.stop()
    opcode, payload = watcher.recv_message()
    assert (opcode, close_code(payload)) == (0x8, 1001)
    assert wait_until(lambda: closes == [1001])
    assert not [t for t in threading.enumerate() if t.name.startswith("SlackFake")]


# ------------------------------------------------------------ raw RFC 6455 rules


def test_fragmented_message_with_a_ping_between_fragments(
    server: SocketModeServer, raw: Callable[..., RawClient]
) -> None:
    client = raw()
    client.handshake()
    client.recv_json()  # hello
    result: list[dict[str, Any]] = []
    sender = threading.Thread(
        target=lambda: result.append(server.send_envelope("slash_commands", {"text": "x"}))
    )
    sender.start()
    envelope = client.recv_json()
    ack = json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "ok"}})
    data = ack.encode()
    client.send_frame(0x1, data[:10], fin=False)
    client.send_frame(0x9, b"between")
    client.send_frame(0x0, data[10:20], fin=False)
    client.send_frame(0x0, data[20:], fin=True)
    assert client.recv_message() == (0xA, b"between")
    sender.join(timeout=3)
    assert result == [{"text": "ok"}]
    assert server.protocol_errors() == []


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([(0x1, b'{"a": 1}', True, False)], 1002),  # unmasked client frame
        ([(0x2, b"\x00\x01", True, True)], 1003),  # binary: Socket Mode is JSON text
        ([(0x1, b"\xff\xfe", True, True)], 1007),  # text that is not UTF-8
        ([(0x0, b"orphan", True, True)], 1002),  # continuation with nothing to continue
        ([(0x1, b"a", False, True), (0x1, b"b", True, True)], 1002),  # interleaved messages
        ([(0x9, b"x" * 126, True, True)], 1002),  # control frame over 125 bytes
        ([(0x3, b"", True, True)], 1002),  # reserved opcode
    ],
)
def test_protocol_violations_close_with_the_rfc_code(
    server: SocketModeServer,
    raw: Callable[..., RawClient],
    frames: list[tuple[int, bytes, bool, bool]],
    code: int,
) -> None:
    client = raw()
    client.handshake()
    client.recv_json()  # hello
    for opcode, payload, fin, mask in frames:
        client.send_frame(opcode, payload, fin=fin, mask=mask)
    opcode, payload = client.recv_message()
    assert (opcode, close_code(payload)) == (0x8, code)
    assert len(server.protocol_errors()) == 1


def test_client_close_is_echoed(server: SocketModeServer, raw: Callable[..., RawClient]) -> None:
    client = raw()
    client.handshake()
    client.recv_json()  # hello
    client.send_frame(0x8, struct.pack("!H", 1000) + b"bye")
    assert client.recv_message() == (0x8, struct.pack("!H", 1000))
    assert wait_until(lambda: server.active_connections == 0)
    assert client.sock.recv(1) == b""  # and the server hung up
