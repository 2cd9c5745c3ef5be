"""``create_app(settings)``: the only place the application is assembled.

It builds the database, the Slack client (our base URL and retry handlers),
the Bolt app with every listener, the outbox dispatcher and the scheduler.
Tests call it with their own settings, clock and Slack fake.
"""

from __future__ import annotations

import gc
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware.request_verification import RequestVerification

from bot import acks, capabilities, web
from bot.core import logs
from bot.core.clock import Clock, SystemClock
from bot.core.config import ConfigError, Settings
from bot.core.gateway import SlackGateway, WebClientGateway, make_web_client
from bot.core.keys import Keys, open_keys
from bot.core.outbox import Dispatcher
from bot.core.scheduler import Scheduler
from bot.core.services import Services
from bot.core.slack_check import BotIdentity, check_slack
from bot.server import HttpServer
from handlers import register_all
from storage import members as members_store
from storage import migrate
from storage.db import Database

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

MAX_BODY_BYTES = web.MAX_BODY_BYTES
EVENTS_PATH = web.EVENTS_PATH
#: Threads that run listeners; each request's listener holds one until it returns.
LISTENER_THREADS = 32
#: Database connections kept open: one per listener thread, plus the scheduler's,
#: the outbox dispatcher's and the request thread's own (``/healthz``, events' ping).
POOL_SIZE = LISTENER_THREADS + 8


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

    def serve_http(self, host: str, port: int, server: HttpServer | None = None) -> HttpServer:
        """Serve HTTP (the production server, :mod:`bot.server`) in a background thread.

        ``server`` is one :func:`bind_http` already bound (``allybot serve`` claims
        its port before it touches the database).
        """
        server = server or bind_http(host, port)
        if not isinstance(server.app, _LateApp):
            raise TypeError("serve_http takes a server from bind_http")
        server.app.target = self.wsgi()
        return server.start()

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


def bind_http(host: str, port: int) -> HttpServer:
    """Claim ``host:port`` for HTTP mode; raises :class:`ConfigError` naming ``PORT``.

    The server answers 503 until :meth:`AllyBot.serve_http` gives it the app.
    """
    try:
        return HttpServer(_LateApp(), host, port, max_body_bytes=MAX_BODY_BYTES)
    except OSError as exc:
        why = (exc.strerror or type(exc).__name__).lower()
        raise ConfigError(
            "PORT",
            f"{port} cannot be used on {host} ({why}): stop what is using it or choose another",
        ) from None


class _LateApp:
    """The WSGI app of a port claimed before the app is ready: 503 until ``target`` is set."""

    def __init__(self) -> None:
        self.target: Callable[..., Iterable[bytes]] | None = None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.target is not None:
            return self.target(environ, start_response)
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"starting"]


class _SameToken(logging.Filter):
    """Drop Bolt's "`token` will be unused" warning, which is always true and harmless here.

    Bolt reads ``SLACK_BOT_TOKEN`` from the environment and warns that it is unused
    whenever it is also given a client; allybot's client carries that very token.
    """

    NOTICE = warning_client_prioritized_and_token_skipped()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.NOTICE


def _bolt_logger() -> logging.Logger:
    """allybot's logger for Bolt (:func:`bot.core.logs.slack_logger`), without the notice."""
    logger = logs.slack_logger()
    if not any(isinstance(f, _SameToken) for f in logger.filters):
        logger.addFilter(_SameToken())
    return logger


class _SignatureCheck(RequestVerification):
    """Bolt's own signature check, but a refusal is logged as one line, body left out.

    Bolt logs a refused request's whole body (a feedback form, a user id) at INFO;
    this says only that a request was refused and how large it was. Repeated
    refusals are written once an hour (:class:`bot.core.logs.OncePerHour`).
    """

    def _debug_log_error(self, signature: object, timestamp: object, body: object) -> None:
        size = len(body) if isinstance(body, str | bytes) else 0
        log.warning("refused a request without a valid Slack signature (%s bytes)", size)


def _log_refusals_without_body(bolt: App, signing_secret: str) -> None:
    """Put :class:`_SignatureCheck` where Bolt put its ``RequestVerification``.

    Bolt offers no hook for this log line; the middleware keeps its place (first
    after the ``ssl_check`` answer), so every later middleware still sees only
    verified requests. Raises if Bolt's layout changes, rather than log bodies.
    """
    chain = bolt._middleware_list
    for index, middleware in enumerate(chain):
        if type(middleware) is RequestVerification:
            chain[index] = _SignatureCheck(signing_secret, base_logger=bolt.logger)
            return
    raise RuntimeError("Bolt's RequestVerification middleware was not found")


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
    db = Database(settings.database_url, pool_size=POOL_SIZE)
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
        logger=_bolt_logger(),
        listener_executor=acks.ListenerExecutor(
            LISTENER_THREADS, thread_name_prefix="allybot-listener"
        ),
    )
    if not settings.socket_mode:
        _log_refusals_without_body(bolt, settings.slack_signing_secret or "")

    bolt.middleware(acks.middleware)
    bolt.middleware(web.hygiene(services))
    bolt.error(web.last_resort)

    register_all(bolt, registry)
    dispatcher = Dispatcher(db, services.gateway, services.clock, sleep=sleep, owner=instance)
    scheduler = Scheduler(services, dispatcher, settings.tick_seconds, owner=instance)
    return AllyBot(settings, services, bolt, dispatcher, scheduler)


def serve(settings: Settings, identity: BotIdentity | None = None) -> int:
    """``allybot serve``: check Slack, migrate, then serve until SIGTERM/SIGINT.

    Slack is asked first (:func:`~bot.core.slack_check.check_slack`, unless the
    caller already did and passes ``identity``) and the HTTP port claimed, so a wrong
    token, an unreachable API or a busy port stops the run before the database is
    created or changed. The workspace the token belongs to is recorded, so the
    command line knows it from the first start.
    """
    if identity is None:
        identity = check_slack(settings)
    listening = None if settings.socket_mode else bind_http(settings.host, settings.port)
    try:
        prepare_database(settings, identity.team_id)
        bot = create_app(settings)
    except BaseException:
        if listening is not None:
            listening.server_close()
        raise
    settle_heap()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    bot.start_background()
    server: HttpServer | None = None
    socket_handler: Any = None
    try:
        if settings.socket_mode:
            socket_handler = bot.serve_socket_mode()
            log.info("allybot connected in Socket Mode")
        else:
            server = bot.serve_http(settings.host, settings.port, listening)
            log.info(
                "allybot listening on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH
            )
        stop.wait()
    finally:
        log.info("shutting down")
        if server is not None:
            server.shutdown()
            server.server_close()
        if socket_handler is not None:
            socket_handler.close()
        bot.close()
    return 0


def settle_heap() -> None:
    """Keep the garbage collector's full passes off everything start-up made.

    What exists once the app is assembled (modules, Bolt, SQLAlchemy's mappers and
    caches, slack_sdk's models) lives as long as the process. CPython's full
    collection walks every tracked object and holds the interpreter while it does:
    measured in ``allybot serve`` during a 10,000-member round, passes of 70-106 ms,
    each a pause in every request in flight. ``gc.freeze()`` moves what exists now
    out of the collector's sight, so only what is made later is walked again.
    """
    gc.collect()
    gc.freeze()


def prepare_database(settings: Settings, team_id: str | None = None) -> Keys:
    """Open (or, on a first start, create) the master key, migrate, and record the
    bot's workspace when it is known (idempotent).

    The key comes first because a migration may need it (0008 seals journals).
    """
    db = Database(settings.database_url)
    try:
        keys = open_keys(settings, db)
        migrate.upgrade(db, master_key=keys.master)
        if team_id is not None:
            with db.transaction() as session:
                members_store.ensure_workspace(session, team_id, SystemClock().now())
        return open_keys(settings, db)
    finally:
        db.dispose()
