"""``create_app(settings)``: the only place the application is assembled.

It builds the database, the Slack client (our base URL and retry handlers),
the Bolt app with every listener, the outbox dispatcher and the scheduler.
Tests call it with their own settings, clock and Slack fake.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import capabilities
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.gateway import SlackGateway, WebClientGateway, make_web_client
from bot.core.keys import Keys, open_keys
from bot.core.outbox import Dispatcher
from bot.core.scheduler import Scheduler
from bot.core.services import Services
from handlers import register_all
from storage import migrate
from storage.db import Database

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
EVENTS_PATH = "/slack/events"


@dataclass
class AllyBot:
    """The assembled application."""

    settings: Settings
    services: Services
    bolt: App
    dispatcher: Dispatcher
    scheduler: Scheduler

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        """WSGI app: Bolt's endpoint at ``/slack/events`` plus ``/healthz``.

        Usable under any WSGI server (gunicorn ``bot.wsgi:application``) and by
        :meth:`serve_http`.  Without a signing secret (Socket Mode only) nothing
        posted here could be verified, so ``/slack/events`` answers 404.
        """
        slack = SlackRequestHandler(self.bolt, path=EVENTS_PATH)

        def application(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
            if path == "/healthz" and method == "GET":
                ok = self.services.db.ping()
                body = json.dumps({"ok": ok}).encode()
                status = "200 OK" if ok else "503 Service Unavailable"
                start_response(status, [("Content-Type", "application/json")])
                return [body]
            if path == EVENTS_PATH and method == "POST" and self.settings.slack_signing_secret:
                try:
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY_BYTES:
                    start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
                    return [b"payload too large"]
                try:
                    return slack(environ, start_response)
                except (ValueError, TypeError, KeyError, AttributeError):
                    # Bolt could not parse the body (truncated JSON, bad payload=,
                    # fields of the wrong type): a client error, not ours.
                    log.warning("rejected a malformed request body (%s bytes)", length)
                    start_response("400 Bad Request", [("Content-Type", "text/plain")])
                    return [b"malformed request"]
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]

        return application

    def serve_http(self, host: str, port: int, poll_interval: float = 0.5) -> WSGIServer:
        """Start the HTTP server in a background thread; returns it (``server_port``).

        ``shutdown()`` waits up to ``poll_interval`` seconds; tests pass a short one.
        """
        server = make_server(
            host, port, self.wsgi(), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        threading.Thread(
            target=server.serve_forever, args=(poll_interval,), name="allybot-http", daemon=True
        ).start()
        return server

    def serve_socket_mode(self, hello_timeout: float = 10.0) -> SocketModeHandler:
        """Connect to Slack over Socket Mode; returns the handler once Slack said hello.

        Why wait for ``hello``: slack_sdk 3.x's builtin ``SocketModeClient.close()``
        can hang for ever when it runs before the client's session thread has
        picked up the new connection, and a client that has read ``hello`` is past
        that window; it also makes "connected" true when it is logged.  ``serve()``
        and the tests connect through here.  On a timeout the handler is left
        alone (closing it is what could hang) and :class:`TimeoutError` is raised.
        """
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(self.bolt, self.settings.slack_app_token)
        hello = threading.Event()

        def watch(text: str) -> None:
            try:
                message = json.loads(text)
            except ValueError:
                return
            if isinstance(message, dict) and message.get("type") == "hello":
                hello.set()

        handler.client.on_message_listeners.append(watch)
        handler.client.connect()  # what handler.connect() does; it is untyped
        if not hello.wait(hello_timeout):
            raise TimeoutError(f"Slack sent no Socket Mode hello within {hello_timeout:g} s")
        handler.client.on_message_listeners.remove(watch)
        return handler

    def start_background(self) -> None:
        self.scheduler.start()

    def close(self) -> None:
        self.scheduler.shutdown()
        self.services.db.dispose()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    gateway: SlackGateway | None = None,
    sleep: Callable[[float], None] = time.sleep,
    instance: str | None = None,
) -> AllyBot:
    """Assemble allybot from ``settings``.

    ``clock``, ``gateway`` and ``sleep`` are seams for tests; production passes none.
    """
    settings.require_serving()
    db = Database(settings.database_url)
    keys = open_keys(settings, db)
    client = make_web_client(settings)
    registry = capabilities.registry()
    services = Services(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        gateway=gateway or WebClientGateway(client),
        registry=registry,
        keys=keys,
    )
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Always on: Bolt skips it for Socket Mode envelopes, and HTTP must be signed
        # even when the app also runs in Socket Mode (wsgi() closes HTTP without a secret).
        request_verification_enabled=True,
        process_before_response=False,
    )

    @bolt.middleware
    def provide_services(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        auth = context.authorize_result
        if (
            auth is not None
            and auth.team_id
            and context.team_id
            and context.team_id != auth.team_id
            and not context.enterprise_id
        ):
            # A request signed with our secret but for another workspace: the
            # bot serves the one its token belongs to.
            log.warning("ignored a request for another workspace")
            return BoltResponse(status=401, body="")
        context["services"] = services
        return next()

    # Bolt and slack_sdk log whole request bodies at DEBUG; anonymous feedback (and who
    # sent it) must never reach a log, so their loggers stay at INFO whatever LOG_LEVEL.
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
    register_all(bolt, registry)
    dispatcher = Dispatcher(db, services.gateway, services.clock, sleep=sleep, owner=instance)
    scheduler = Scheduler(services, dispatcher, settings.tick_seconds, owner=instance)
    return AllyBot(settings, services, bolt, dispatcher, scheduler)


def prepare_database(settings: Settings) -> Keys:
    """Open (or, on a first start, create) the master key, then migrate.

    The key comes first because a migration may need it (0008 seals journals).
    """
    db = Database(settings.database_url)
    try:
        keys = open_keys(settings, db)
        migrate.upgrade(db, master_key=keys.master)
        return open_keys(settings, db)
    finally:
        db.dispose()


def serve(settings: Settings) -> int:
    """``allybot serve``: migrate, check the token, then serve until SIGTERM/SIGINT."""
    settings.require_serving()
    prepare_database(settings)
    bot = create_app(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    bot.start_background()
    server: WSGIServer | None = None
    socket_handler: Any = None
    try:
        if settings.socket_mode:
            socket_handler = bot.serve_socket_mode()
            log.info("allybot connected in Socket Mode")
        else:
            server = bot.serve_http(settings.host, settings.port)
            log.info(
                "allybot listening on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH
            )
        stop.wait()
    finally:
        log.info("shutting down")
        if server is not None:
            server.shutdown()
        if socket_handler is not None:
            socket_handler.close()
        bot.close()
    return 0
