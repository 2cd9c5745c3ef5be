"""The sandbox as a person starts it: ``allybot serve`` with no Slack settings, or
``allybot sandbox``; what it listens on, what it reads, what it never touches."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from bot.sandbox import cast
from bot.sandbox.files import SandboxFiles
from tests.sandbox.support import ROOT, free_port, spawn, trap, wait_until


def test_serve_with_no_slack_setting_starts_the_sandbox_and_says_so_in_one_line(tmp_path: Path):
    child = spawn(["serve"], tmp_path, {})
    try:
        assert child.line.startswith("allybot: no Slack settings")
        assert f"http://127.0.0.1:{child.port}/" in child.line
        assert "to connect a real workspace" in child.line and "SLACK_BOT_TOKEN" in child.line
        status, body = child.get(f"/as/{cast.VISITOR}/home")
        assert status == 200 and "Join the programme" in body
    finally:
        assert child.stop() == 0
    assert (tmp_path / "sandbox.db").exists()


def test_an_invalid_slack_setting_still_stops_with_one_line(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "not-a-token"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "allybot: configuration error: SLACK_BOT_TOKEN must be a bot token starting with xoxb- "
        "(see README.md#configuration)"
    ]
    assert not (tmp_path / "sandbox.db").exists()


def test_it_ignores_tokens_and_database_url_and_never_contacts_slack(tmp_path: Path):
    """Real-looking tokens, a Web API URL and proxies that record any request: the
    sandbox uses none of them, not even after a join makes the bot send a DM."""
    elsewhere = tmp_path / "elsewhere.db"
    with trap() as api, trap() as proxy:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-1111-2222-realLookingToken",
            "SLACK_APP_TOKEN": "xapp-1-A111-222-realLooking",
            "SLACK_SIGNING_SECRET": "0123456789abcdef",
            "SLACK_API_URL": api.url + "/api/",
            "DATABASE_URL": f"sqlite:///{elsewhere}",
            "HTTPS_PROXY": proxy.url,
            "HTTP_PROXY": proxy.url,
            "NO_PROXY": "127.0.0.1,localhost",
        }
        child = spawn(["sandbox", "--dir", str(tmp_path / "sb")], tmp_path, env)
        try:
            assert child.line.startswith("allybot sandbox: open http://127.0.0.1:")
            status, body = child.get(f"/as/{cast.VISITOR}/home")
            assert status == 200 and "Join as ally" in body
            files = SandboxFiles(tmp_path / "sb")
            # The seeded cast's welcome DMs go out through the outbox to the fake.
            assert wait_until(lambda: _outbox_sent(files.db_path) >= 8)
        finally:
            assert child.stop() == 0
        assert api.hits == [] and proxy.hits == []
    assert not elsewhere.exists()
    key = files.key_path
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "0123456789abcdef" not in key.read_text()


def _outbox_sent(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(
                conn.execute("select count(*) from outbox where status='sent'").fetchone()[0]
            )
        except sqlite3.OperationalError:
            return 0


def test_it_listens_on_loopback_only_and_answers_only_its_own_host(tmp_path: Path):
    child = spawn(["sandbox", "--dir", str(tmp_path)], tmp_path, {})
    try:
        listening = _listening_addresses(child.process.pid, child.port)
        assert listening == {"127.0.0.1"}
        status, body = child.get("/", host="evil.example")
        assert status == 421 and "own address" in body
        status, _ = child.get(f"/as/{cast.VISITOR}/home", host=f"evil.example:{child.port}")
        assert status == 421
        assert child.get(f"/as/{cast.VISITOR}/messages", host=f"localhost:{child.port}")[0] == 200
    finally:
        child.stop()


def _listening_addresses(pid: int, port: int) -> set[str]:
    """Addresses the process listens on for ``port``, from /proc (no extra tools)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            address, _, port_hex = local.partition(":")
            if state == "0A" and inode in inodes and int(port_hex, 16) == port:
                raw = bytes.fromhex(address)
                if family == socket.AF_INET:
                    found.add(socket.inet_ntop(family, raw[::-1]))
                else:
                    found.add(socket.inet_ntop(family, raw))
    return found


def test_state_is_kept_between_runs_and_reset_starts_fresh(tmp_path: Path):
    directory = tmp_path / "sb"
    port = free_port()
    child = spawn(["sandbox", "--dir", str(directory), "--port", str(port)], tmp_path, {})
    try:
        _post_clock(child.url, "day")
        offset = json.loads((directory / "sandbox.json").read_text())["clock_offset"]
        assert 86_000 < offset < 87_000
    finally:
        child.stop(signal.SIGKILL)  # no goodbye: what was saved must be enough
    key = (directory / "sandbox.key").read_text()
    again = spawn(["sandbox", "--dir", str(directory), "--port", str(port)], tmp_path, {})
    try:
        status, body = again.get(f"/as/{cast.ADA}/messages?refresh=1")
        assert status == 200
        state = json.loads((directory / "sandbox.json").read_text())
        assert state["clock_offset"] >= offset
        assert (directory / "sandbox.key").read_text() == key
        # What people had been sent is still there (the fake itself starts empty).
        status, body = again.get("/as/U06SAM/messages?refresh=1")
        assert "Welcome to Allyship Buddies" in body
    finally:
        again.stop()
    with sqlite3.connect(directory / "sandbox.db") as conn:
        members = conn.execute("select count(*) from member").fetchone()[0]
    assert members == 8  # seeded once, not twice
    fresh = spawn(
        ["sandbox", "--dir", str(directory), "--port", str(port), "--reset"], tmp_path, {}
    )
    try:
        state = json.loads((directory / "sandbox.json").read_text())
        assert state["clock_offset"] == 0
        assert (directory / "sandbox.key").read_text() != key
    finally:
        fresh.stop()


def _post_clock(url: str, move: str) -> None:
    import re
    import urllib.parse
    import urllib.request

    with urllib.request.urlopen(f"{url}/as/{cast.ADA}/messages?refresh=1", timeout=30) as page:
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode(
        {"csrf": csrf, "back": f"/as/{cast.ADA}/messages", "move": move}
    ).encode()
    request = urllib.request.Request(f"{url}/clock", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "sandbox", "--dir", str(tmp_path), "--port", str(port)],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "could not listen" in result.stderr
    assert not (tmp_path / "sandbox.db").exists()
