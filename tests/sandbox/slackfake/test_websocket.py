"""RFC 6455 primitives of the fake (``websocket.py``), checked without sockets.

Why: the Socket Mode tests drive these over loopback; here each rule is pinned
down on its own, against values computed independently (RFC 6455's worked
example, a naive XOR, the spec's length encodings), so a regression names the
rule it broke.
"""

from __future__ import annotations

import os
import struct

import pytest

from bot.sandbox.slackfake.websocket import (
    HandshakeRefused,
    accept_key,
    close_payload,
    encode_frame,
    http_refusal,
    parse_upgrade,
    switching_protocols,
    unmask,
)

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
GOOD = {
    "Host": "127.0.0.1",
    "Upgrade": "websocket",
    "Connection": "keep-alive, Upgrade",
    "Sec-WebSocket-Key": RFC_KEY,
    "Sec-WebSocket-Version": "13",
}


def head(line: str = "GET /link/?ticket=t HTTP/1.1", **changes: str | None) -> bytes:
    headers = {**GOOD, **changes}
    lines = [line, *(f"{k}: {v}" for k, v in headers.items() if v is not None)]
    return "\r\n".join(lines).encode("latin-1")


def test_accept_key_is_the_rfc_example() -> None:
    assert accept_key(RFC_KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in switching_protocols(RFC_KEY)


def test_a_good_upgrade_is_parsed() -> None:
    request = parse_upgrade(head())
    assert (request.target, request.key) == ("/link/?ticket=t", RFC_KEY)
    assert request.headers["upgrade"] == "websocket"


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        (head("GET /link/"), 400, "malformed request line"),
        (head() + b"\r\nno colon here", 400, "malformed header line"),
        (head("POST /link/ HTTP/1.1"), 405, "the upgrade must be a GET"),
        (head("GET /link/ HTTP/1.0"), 400, "HTTP/1.1 or later is required"),
        (head(Host=None), 400, "missing Host header"),
        (head(Upgrade="h2c"), 400, "Upgrade: websocket is required"),
        (head(Connection="keep-alive"), 400, "Connection: Upgrade is required"),
        (head(**{"Sec-WebSocket-Version": "8"}), 426, "only WebSocket version 13"),
        (head(**{"Sec-WebSocket-Key": "c2hvcnQ="}), 400, "16 base64 bytes"),
        (head(**{"Sec-WebSocket-Key": "not base64!!"}), 400, "16 base64 bytes"),
    ],
)
def test_each_broken_rule_is_refused_with_its_status(raw: bytes, status: int, reason: str) -> None:
    with pytest.raises(HandshakeRefused) as refused:
        parse_upgrade(raw)
    assert refused.value.status == status and reason in refused.value.reason
    reply = http_refusal(refused.value)
    assert reply.startswith(f"HTTP/1.1 {status} ".encode())
    assert reply.endswith(refused.value.reason.encode())
    if status == 426:
        assert b"\r\nSec-WebSocket-Version: 13\r\n" in reply


@pytest.mark.parametrize(
    ("size", "header"),
    [(0, b"\x81\x00"), (125, b"\x81\x7d"), (126, b"\x81\x7e\x00\x7e"), (65_536, b"\x81\x7f")],
)
def test_frames_use_the_shortest_length_encoding(size: int, header: bytes) -> None:
    frame = encode_frame(0x1, b"a" * size)
    assert frame.startswith(header)
    assert len(frame) == size + {0: 2, 125: 2, 126: 4, 65_536: 10}[size]
    if size == 65_536:
        assert struct.unpack("!Q", frame[2:10]) == (size,)


def test_unmask_matches_a_naive_xor_and_is_its_own_inverse() -> None:
    for size in (0, 1, 3, 4, 5, 1000):
        data, key = os.urandom(size), os.urandom(4)
        naive = bytes(b ^ key[i % 4] for i, b in enumerate(data))
        assert unmask(data, key) == naive
        assert unmask(naive, key) == data


def test_close_reason_is_cut_to_fit_a_control_frame_on_a_character_boundary() -> None:
    payload = close_payload(1000, "é" * 100)  # 200 UTF-8 bytes, cut inside a character
    assert payload[:2] == b"\x03\xe8" and len(payload) <= 125
    assert payload[2:].decode("utf-8") == "é" * 61  # RFC 6455 5.5.1: the reason is UTF-8
