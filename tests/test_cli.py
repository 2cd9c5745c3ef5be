"""``allybot`` as a user runs it: a real process, real HTTP, clean shutdown."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.sandbox.slackfake import SlackFake
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support.slack_requests import SlackSender


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the bot never became healthy")


def test_serve_over_http_then_sigterm(tmp_path: Path, slack_fake: SlackFake):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_fake.base_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "ALLYBOT_TICK_SECONDS": "0.2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        assert slack_fake.count("auth.test") >= 1  # the token was checked at start
        sender = SlackSender(url, SIGNING_SECRET, fake_url=slack_fake.root_url + "/")
        reply = sender.command("U0ALLY01", "join ally")
        assert reply.status == 200 and "Welcome aboard" in reply.text
        # The scheduler, running in the real process, delivers the welcome DM.
        assert slack_fake.wait_for(lambda: len(slack_fake.messages_to("U0ALLY01")) == 1, 15)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert (tmp_path / "allybot.db").exists()  # the SQLite default, in the working directory
    assert "Traceback" not in err


def test_db_upgrade_and_help(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "database at revision" in done.stdout
    helped = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert helped.returncode == 0 and "serve" in helped.stdout and "db" in helped.stdout
