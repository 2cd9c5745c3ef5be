"""HTTP plumbing: a quiet threading server and a thin request adapter.

Why a protocol instead of importing :class:`SlackFake`: the server only needs
two entry points, and depending on a protocol keeps the import graph acyclic
(the fake imports the server, never the reverse).
"""

from __future__ import annotations

import socketserver
import sys
import traceback
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .models import MAX_BODY_BYTES
from .wire import Reply, json_reply


class Backend(Protocol):
    """What the HTTP layer needs from the fake."""

    def handle_http(
        self, verb: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> Reply: ...

    def note_internal_error(self, text: str) -> None: ...


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that neither resolves names nor prints tracebacks."""

    daemon_threads = True
    allow_reuse_address = True
    fake: Backend

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that
        # can stall for seconds in sandboxes; loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up is the client's business; anything else is a bug here.
        if isinstance(sys.exc_info()[1], OSError):
            return
        self.fake.note_internal_error(traceback.format_exc())


class Handler(BaseHTTPRequestHandler):
    """Thin HTTP adapter: read the request, let the backend decide, write."""

    server: QuietServer
    server_version = "SlackFake/1.0"
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging: tests and the sandbox need quiet stderr."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        try:
            reply = self._reply(fake)
        except OSError:
            return  # the connection broke while reading; there is no one to answer
        except Exception:
            fake.note_internal_error(traceback.format_exc())
            reply = json_reply(500, {"ok": False, "error": "fake_internal_error"})
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            # The client went away; nothing to tell it.
            return

    def _reply(self, fake: Backend) -> Reply:
        raw_length = self.headers.get("Content-Length") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return json_reply(400, {"ok": False, "error": "invalid_arguments"})
        if length < 0:
            return json_reply(400, {"ok": False, "error": "invalid_arguments"})
        if length > MAX_BODY_BYTES:
            return json_reply(413, {"ok": False, "error": "request_too_large"})
        body = self.rfile.read(length) if length else b""
        headers = {name: value for name, value in self.headers.items()}
        return fake.handle_http(self.command, self.path, headers, body)
