"""``allybot serve`` as its own process, the way a person starts it, for the tests that
need a real server: its environment, a free port and a wait until it is healthy."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.sandbox.slackfake import SlackFake
from tests.conftest import BOT_TOKEN, SIGNING_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(slack_fake: SlackFake, port: int, tick_seconds: float) -> dict[str, str]:
    """A bot with the test tokens, talking to ``slack_fake``, listening on ``port``."""
    return {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_fake.base_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "ALLYBOT_TICK_SECONDS": f"{tick_seconds:g}",
    }


def start_serve(
    cwd: Path, env: dict[str, str], *, stdout: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """``python -m bot serve`` in ``cwd`` (where its SQLite file and key file go)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> None:
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
