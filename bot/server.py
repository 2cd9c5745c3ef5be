"""The production HTTP server behind ``allybot serve``: waitress, tuned for Slack.

Why waitress: it is pure Python and runs in this process (the scheduler and the
outbox dispatcher live here too, so a pre-forking server would run them once per
worker), it reads whole requests on its I/O thread before a worker thread sees
them (a stalled upload holds no worker), and it enforces header and body limits
and idle timeouts itself. Python's ``wsgiref`` server, used before, listened
with a backlog of 5: fifty people at once got connection resets and one-second
SYN retries.

Graceful shutdown: stop accepting, let requests already read finish (up to a
grace period), then close every connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import waitress

log = logging.getLogger(__name__)

#: Worker threads. Each Slack request holds one while Bolt waits for its ack.
THREADS = 64
#: Connections the kernel queues while every worker is busy (Linux caps it at somaxconn).
BACKLOG = 1024
#: Open connections at most; beyond it new ones wait in the backlog.
CONNECTION_LIMIT = 512
#: A connection idle (or stalled mid-request) this long is closed.
CHANNEL_TIMEOUT = 20
#: How often idle connections are looked for.
CLEANUP_INTERVAL = 5
MAX_HEADER_BYTES = 64 * 1024
#: In-flight requests get this long to finish on shutdown.
GRACE_SECONDS = 10.0


class HttpServer:
    """A waitress server on its own thread; ``server_port`` is the bound port."""

    def __init__(
        self,
        app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
        host: str,
        port: int,
        *,
        max_body_bytes: int,
        threads: int = THREADS,
    ) -> None:
        #: The WSGI app served (``bind_http`` hands in one it completes later).
        self.app = app
        self._server: Any = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            backlog=BACKLOG,
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=CHANNEL_TIMEOUT,
            cleanup_interval=CLEANUP_INTERVAL,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=max_body_bytes,
            ident="allybot",
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
            # poll() rather than select(): no 1,024-descriptor ceiling. (The loop's
            # timeout stays at waitress's 1 s: it is read as a whole number, and 0
            # would make the I/O thread spin.)
            asyncore_use_poll=True,
        )
        self.server_port: int = int(self._server.effective_port)
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> HttpServer:
        """Serve in a daemon thread (``allybot serve`` waits on a signal meanwhile)."""
        self._thread = threading.Thread(target=self._run, name="allybot-http", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except Exception:
            if not self._closed:
                log.exception("the HTTP server stopped unexpectedly")

    def _busy(self) -> bool:
        dispatcher = self._server.task_dispatcher
        if dispatcher.queue:
            return True
        for channel in list(self._server.active_channels.values()):
            if channel.requests or channel.total_outbufs_len:
                return True
        return False

    def shutdown(self, grace: float = GRACE_SECONDS) -> None:
        """Stop accepting, finish what is in flight (up to ``grace`` s), then close."""
        if self._closed:
            return
        self._closed = True
        server = self._server
        server.accepting = False
        server.pull_trigger()
        deadline = time.monotonic() + grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._busy():
            log.warning("shutting down with requests still in flight after %ss", grace)
        for channel in list(server.active_channels.values()):
            channel.will_close = True
        server.pull_trigger()
        # Closing the listening socket and the trigger empties waitress's map once the
        # loop has closed the connections marked above; its loop then returns (within
        # its one-second poll), on its own daemon thread.
        server.close()
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=1)

    def server_close(self) -> None:
        """Kept for callers written against ``socketserver``; :meth:`shutdown` closed it."""
