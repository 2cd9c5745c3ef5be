"""``create_app(settings)``: the only place the application is assembled.

It builds the database, the Slack client (our base URL and retry handlers),
the Bolt app with every listener, the outbox dispatcher and the scheduler.
Tests call it with their own settings, clock and Slack fake.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import capabilities, web
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.gateway import SlackGateway, WebClientGateway, make_web_client
from bot.core.outbox import Dispatcher
from bot.core.scheduler import Scheduler
from bot.core.services import Services
from bot.server import HttpServer
from handlers import register_all
from storage import migrate
from storage.db import Database

log = logging.getLogger(__name__)

MAX_BODY_BYTES = web.MAX_BODY_BYTES
EVENTS_PATH = web.EVENTS_PATH
#: Threads that run listeners; each request's listener holds one until it returns.
LISTENER_THREADS = 32


@dataclass
class AllyBot:
    """The assembled application."""

    settings: Settings
    services: Services
    bolt: App
    dispatcher: Dispatcher
    scheduler: Scheduler

    def wsgi(self) -> Callable[..., Iterable[bytes]]:
        """WSGI app: Bolt's endpoint at ``/slack/events`` plus ``/healthz``, behind the
        request hygiene of :mod:`bot.web`. Usable under any WSGI server."""
        return web.application(SlackRequestHandler(self.bolt, path=EVENTS_PATH), self.services)

    def serve_http(self, host: str, port: int) -> HttpServer:
        """Start the production HTTP server in a background thread (``server_port``)."""
        return HttpServer(self.wsgi(), host, port, max_body_bytes=MAX_BODY_BYTES).start()

    def start_background(self) -> None:
        self.scheduler.start()

    def close(self) -> None:
        self.scheduler.shutdown()
        self.services.db.dispose()


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
    client = make_web_client(settings)
    registry = capabilities.registry()
    services = Services(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        gateway=gateway or WebClientGateway(client),
        registry=registry,
    )
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not settings.socket_mode,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(
            LISTENER_THREADS, thread_name_prefix="allybot-listener"
        ),
    )

    bolt.middleware(web.hygiene(services))
    bolt.error(web.last_resort)

    # Bolt and slack_sdk log whole request bodies at DEBUG; anonymous feedback (and who
    # sent it) must never reach a log, so their loggers stay at INFO whatever LOG_LEVEL.
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
    register_all(bolt, registry)
    dispatcher = Dispatcher(db, services.gateway, services.clock, sleep=sleep, owner=instance)
    scheduler = Scheduler(services, dispatcher, settings.tick_seconds, owner=instance)
    return AllyBot(settings, services, bolt, dispatcher, scheduler)


def serve(settings: Settings) -> int:
    """``allybot serve``: migrate, check the token, then serve until SIGTERM/SIGINT."""
    settings.require_serving()
    migrate.upgrade(Database(settings.database_url))
    bot = create_app(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    bot.start_background()
    server: HttpServer | None = None
    socket_handler: Any = None
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            socket_handler = SocketModeHandler(bot.bolt, settings.slack_app_token)
            socket_handler.connect()
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
