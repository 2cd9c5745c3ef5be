"""``allybot serve``'s HTTP server as an attacker and a busy Monday see it: a real
process, real sockets. Fifty clients at once, stalled uploads, oversized requests,
and a SIGTERM while a request is in flight."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.sandbox.slackfake import SlackFake
from tests.conftest import SIGNING_SECRET
from tests.support.serving import free_port, serve_env, start_serve, wait_healthy
from tests.support.slack_requests import SlackSender


@dataclass
class Served:
    url: str
    port: int
    proc: subprocess.Popen[str]
    db_path: Path
    sender: SlackSender


@pytest.fixture
def serve(tmp_path: Path, slack_fake: SlackFake) -> Iterator[Served]:
    port = free_port()
    proc = start_serve(tmp_path, serve_env(slack_fake, port, 3600))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        sender = SlackSender(url, SIGNING_SECRET, fake_url=slack_fake.root_url + "/")
        yield Served(url, port, proc, tmp_path / "allybot.db", sender)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)


def raw_request(port: int, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break  # refused while we were still sending: what came before is the answer
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(reply: bytes) -> str:
    """The status code, or "closed" when the server hung up without one."""
    return reply.split(b"\r\n", 1)[0].split(b" ")[1].decode() if reply else "closed"


def test_fifty_clients_at_once_are_all_answered(serve: Served):
    """wsgiref's backlog of 5 reset connections here; a real backlog queues them."""
    results: list[int] = []
    errors: list[str] = []
    start = threading.Barrier(50)

    def client(i: int) -> None:
        start.wait()
        try:
            results.append(serve.sender.command(f"U0ALLY{i % 40:02d}", "help").status)
        except OSError as exc:
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert results == [200] * 50


def test_stalled_uploads_hold_no_worker(serve: Served):
    """More stalled uploads than worker threads, and the bot still answers at once."""
    stalled = []
    for _ in range(24):
        sock = socket.create_connection(("127.0.0.1", serve.port), timeout=5)
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"a"'
        )
        stalled.append(sock)
    try:
        started = time.monotonic()
        assert serve.sender.command("U0ALLY01", "help").status == 200
        assert time.monotonic() - started < 3.0  # inside Slack's deadline
    finally:
        for sock in stalled:
            sock.close()


def test_oversized_headers_and_bodies_are_refused(serve: Served):
    huge_header = b"X-Filler: " + b"a" * 100_000 + b"\r\n"
    reply = raw_request(
        serve.port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\n" + huge_header + b"\r\n"
    )
    assert status_of(reply) in ("400", "431", "closed")
    # The body's announced size is refused before a byte of it is read.
    reply = raw_request(
        serve.port,
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1500000\r\n\r\n",
    )
    assert status_of(reply) == "413"
    assert serve.sender.command("U0ALLY01", "help").status == 200


def test_sigterm_lets_the_request_in_flight_finish(serve: Served):
    assert serve.sender.command("U0ALLY01", "join ally").status == 200
    # Hold SQLite's write lock so the next command waits (up to its bounded 2 s).
    holder = sqlite3.connect(serve.db_path, timeout=5, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answers: list[tuple[int, str]] = []

    def pause() -> None:
        reply = serve.sender.command("U0ALLY01", "pause 3 weeks")
        answers.append((reply.status, reply.text))

    in_flight = threading.Thread(target=pause)
    in_flight.start()
    time.sleep(0.4)
    serve.proc.send_signal(signal.SIGTERM)
    time.sleep(0.4)
    holder.execute("ROLLBACK")
    holder.close()
    in_flight.join(30)
    _out, err = serve.proc.communicate(timeout=30)
    assert serve.proc.returncode == 0, err
    assert answers and answers[0][0] == 200 and "Paused" in answers[0][1], answers
    # And the reply matched what was saved.
    with sqlite3.connect(serve.db_path) as db:
        (status,) = db.execute("SELECT status FROM member WHERE user_id = 'U0ALLY01'").fetchone()
    assert status == "paused"
    # Refused requests never log their body.
    assert "pause 3 weeks" not in err


def test_new_connections_are_refused_once_shutting_down(serve: Served):
    serve.proc.send_signal(signal.SIGTERM)
    serve.proc.communicate(timeout=30)
    form = urllib.parse.urlencode({"command": "/ally"})
    with pytest.raises(OSError):
        raw_request(serve.port, f"POST /slack/events HTTP/1.1\r\n\r\n{form}".encode(), 2)
