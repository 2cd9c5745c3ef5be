"""``allybot sandbox``: start everything, serve the page on 127.0.0.1, stop cleanly.

Why loopback only, with no option to change it: the sandbox has no logins -- anyone
who reaches the page can be anyone in the pretend workspace -- so it is for the
person at this computer. The page still checks the Host header and a form token
(see :mod:`bot.sandbox.web`).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.sandbox.engine import Sandbox
from bot.sandbox.files import SandboxFiles
from bot.sandbox.web import SandboxWeb

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
CONNECT_HINT = (
    "to connect a real workspace, put SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
    "(or SLACK_APP_TOKEN) in .env, see README.md#creating-the-slack-app"
)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox http: " + format, *args)


@dataclass
class Running:
    """A started sandbox: its engine, web server and address."""

    sandbox: Sandbox
    server: WSGIServer
    url: str

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.sandbox.stop()


def start(
    directory: Path, port: int, *, reset: bool = False, log_level: str = "WARNING"
) -> Running:
    """Start the sandbox in ``directory`` and serve the page on ``127.0.0.1:port``.

    ``port`` 0 picks a free port (tests). The socket is bound before the bot
    starts, so a port in use fails fast without touching the database.
    """
    files = SandboxFiles(directory)
    web_holder: list[SandboxWeb] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return web_holder[0](environ, start_response)

    server = make_server(HOST, port, app, server_class=_Server, handler_class=_QuietHandler)
    try:
        if reset:
            files.reset()
        sandbox = Sandbox(files, log_level=log_level)
        sandbox.start()
    except BaseException:
        server.server_close()
        raise
    bound = server.server_port
    web_holder.append(SandboxWeb(sandbox, bound))
    threading.Thread(target=server.serve_forever, name="sandbox-web", daemon=True).start()
    return Running(sandbox, server, f"http://{HOST}:{bound}/")


def _can_open_browser() -> bool:
    """Only where a graphical browser is likely: never in CI, a pipe or a bare server."""
    if os.environ.get("CI") or not sys.stdout.isatty():
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(directory: Path, port: int, *, reset: bool, log_level: str, reason: str) -> int:
    """Serve until SIGINT/SIGTERM; ``reason`` opens the one line printed at start."""
    stop = threading.Event()
    try:
        running = start(directory, port, reset=reset, log_level=log_level)
    except OSError as exc:
        print(f"allybot: the sandbox could not listen on {HOST}:{port} ({exc})", file=sys.stderr)
        return 2
    print(f"{reason} {running.url} ({CONNECT_HINT})", flush=True)
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    if _can_open_browser():
        webbrowser.open(running.url)
    try:
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        running.stop()
    return 0
