"""``allybot`` as a user runs it: a real process, real HTTP, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from bot.sandbox.slackfake import SlackFake
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.support.serving import free_port, serve_env, start_serve, wait_healthy
from tests.support.slack_requests import SlackSender


def test_serve_over_http_then_sigterm(tmp_path: Path, slack_fake: SlackFake):
    port = free_port()
    proc = start_serve(tmp_path, serve_env(slack_fake, port, 0.2))
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


# ---------------------------------------------------------------- a first run that fails


@dataclass
class Start:
    """How one ``allybot serve`` run ended."""

    returncode: int
    stderr: str
    cwd: Path
    fake: SlackFake | None


def _failing_fake(method: str, error: str) -> SlackFake:
    fake = SlackFake(tokens=[BOT_TOKEN]).start()
    fake.fail_every(method, 1, status=200, error=error)
    return fake


@pytest.fixture(scope="module")
def failed_starts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Start]]:
    """Every way a first start can fail, each a real ``allybot serve``, run side by side.

    Started together because each process spends seconds importing; each has its own
    empty working directory (where the SQLite default would be created) and fake.
    """
    http = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    socket_mode = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-A0ALLY-1-abc"}
    known = SlackFake(tokens=[BOT_TOKEN]).start()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    cases: dict[str, tuple[dict[str, str], SlackFake | None]] = {
        "no bot token": ({"SLACK_SIGNING_SECRET": SIGNING_SECRET}, known),
        "invalid_auth": ({**http, "SLACK_BOT_TOKEN": "xoxb-not-a-real-token"}, known),
        "not_authed": (http, _failing_fake("auth.test", "not_authed")),
        "account_inactive": (http, _failing_fake("auth.test", "account_inactive")),
        "unreachable": (http, None),
        "port in use": ({**http, "PORT": str(busy.getsockname()[1])}, known),
        "app token invalid_auth": (
            socket_mode,
            _failing_fake("apps.connections.open", "invalid_auth"),
        ),
        "app token not_allowed_token_type": (
            socket_mode,
            _failing_fake("apps.connections.open", "not_allowed_token_type"),
        ),
    }
    procs = {}
    for name, (extra, fake) in cases.items():
        cwd = tmp_path_factory.mktemp(name.replace(" ", "-"))
        url = fake.base_url if fake else f"http://127.0.0.1:{free_port()}/api/"
        env = {
            "PATH": "/usr/bin:/bin",
            "SLACK_API_URL": url,
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            **extra,
        }
        procs[name] = (start_serve(cwd, env), cwd, fake)
    results = {}
    try:
        for name, (proc, cwd, fake) in procs.items():
            _out, err = proc.communicate(timeout=120)
            results[name] = Start(proc.returncode, err, cwd, fake)
        yield results
    finally:
        for proc, _cwd, _fake in procs.values():
            if proc.poll() is None:
                proc.kill()
        for _name, (_extra, fake) in cases.items():
            if fake is not None and fake.running:
                fake.stop()
        busy.close()


@pytest.mark.parametrize(
    ("case", "variable", "says"),
    [
        ("no bot token", "SLACK_BOT_TOKEN", "is not set"),
        ("invalid_auth", "SLACK_BOT_TOKEN", "was refused by Slack (invalid_auth): copy the Bot"),
        ("not_authed", "SLACK_BOT_TOKEN", "was refused by Slack (not_authed)"),
        ("account_inactive", "SLACK_BOT_TOKEN", "no longer works (account_inactive): the app"),
        ("unreachable", "SLACK_API_URL", "cannot be reached (connection refused): check"),
        ("port in use", "PORT", "cannot be used on 127.0.0.1 (address already in use)"),
        ("app token invalid_auth", "SLACK_APP_TOKEN", "was refused by Slack (invalid_auth)"),
        (
            "app token not_allowed_token_type",
            "SLACK_APP_TOKEN",
            "cannot open a Socket Mode connection (not_allowed_token_type)",
        ),
    ],
)
def test_a_failed_first_start_is_one_line_and_leaves_nothing(
    failed_starts: dict[str, Start], case: str, variable: str, says: str
):
    start = failed_starts[case]
    lines = start.stderr.splitlines()
    assert len(lines) == 1, start.stderr
    assert lines[0].startswith(f"allybot: configuration error: {variable} "), lines[0]
    assert says in lines[0] and "README.md#configuration" in lines[0]
    assert start.returncode == 2
    assert list(start.cwd.iterdir()) == []  # no allybot.db, nothing at all
    if case not in ("no bot token", "port in use") and start.fake is not None:
        assert start.fake.count("auth.test") >= 1  # Slack was really asked
    if case.startswith("app token") and start.fake is not None:
        assert start.fake.count("apps.connections.open") == 1


# ----------------------------------------------------------------------- a quiet bot


class StderrLines:
    """Collects a process's standard error line by line while it runs."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        assert proc.stderr is not None
        self._thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def join(self) -> None:
        self._thread.join(timeout=30)


@pytest.mark.slack_refusals_expected  # users.info, users.list and a DM refused, on purpose
def test_an_idle_bot_writes_nothing_after_it_starts(tmp_path: Path, slack_fake: SlackFake):
    port = free_port()
    proc = start_serve(tmp_path, serve_env(slack_fake, port, 0.2), stdout=subprocess.DEVNULL)
    stderr = StderrLines(proc)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        assert len(stderr.lines) == 1 and "allybot listening on" in stderr.lines[0]
        time.sleep(3)  # about 15 ticks of both jobs, with nothing to do
        assert stderr.lines[1:] == []
        # Slack will not show the account, and its member list is failing: the look-up
        # fails at join and on every tick after (the daily users.list sweep would have
        # answered for it); each warning is written once.
        slack_fake.set_error("users.info", "user_not_visible")
        slack_fake.set_error("users.list", "internal_error")
        slack_fake.set_error("chat.postMessage", "channel_not_found")
        sender = SlackSender(url, SIGNING_SECRET, fake_url=slack_fake.root_url + "/")
        assert "Welcome aboard" in sender.command("U0ALLY05", "join ally").text
        assert slack_fake.wait_for(lambda: slack_fake.count("users.info") >= 5, 15)
        assert slack_fake.wait_for(lambda: slack_fake.count("chat.postMessage") >= 1, 15)
        time.sleep(1)  # more ticks: the failing look-up must not be logged again
        warnings = [line for line in stderr.lines[1:] if "Slack account" in line]
        assert len(warnings) == 1 and "WARNING" in warnings[0]
        listing = [line for line in stderr.lines[1:] if "users.list failed for now" in line]
        assert len(listing) == 1 and "WARNING" in listing[0]
        # The welcome DM to that person is refused by Slack once, and said once.
        refused = [line for line in stderr.lines[1:] if "refused by Slack" in line]
        assert len(refused) == 1
        assert sorted(stderr.lines[1:]) == sorted(warnings + listing + refused)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        stderr.join()
    assert proc.returncode == 0
    assert stderr.lines[-1].endswith("INFO bot.app: shutting down")
    assert len(stderr.lines) == 5, stderr.lines  # listening, three warnings, shutting down


# ------------------------------------------------------------------------- make run


def _make_dry_run(target: str, tmp_path: Path) -> str:
    """What ``make TARGET`` would run on a machine with no virtualenv yet."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=Path(__file__).resolve().parents[1],
        # Under `make test` this is a sub-make: without the parent's MAKEFLAGS and
        # MAKELEVEL it prints what a person typing `make run` would see.
        env={k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_installs_runtime_dependencies_only_then_serves(tmp_path: Path):
    commands = _make_dry_run("run", tmp_path)
    assert "pip install --quiet -e .\n" in commands
    assert "[dev]" not in commands
    assert "db upgrade" not in commands  # serve checks first, then migrates
    assert commands.strip().splitlines()[-1].endswith("/bin/allybot serve")
    assert ".installed-run" in commands


def test_make_test_still_installs_the_dev_extras(tmp_path: Path):
    commands = _make_dry_run("test", tmp_path)
    assert "pip install --quiet -e '.[dev]'" in commands
    assert f"touch {tmp_path / 'venv'}/.installed\n" in commands
