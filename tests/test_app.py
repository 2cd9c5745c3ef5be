"""The assembled app over real HTTP: health check, unknown paths, oversized bodies."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.app import AllyBot, create_app
from bot.core.config import ConfigError, Settings


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_healthz_answers_when_the_database_does(served: str):
    status, body = get(served + "/healthz")
    assert status == 200 and json.loads(body) == {"ok": True}
    assert get(served + "/nope")[0] == 404


def test_oversized_body_is_refused_before_bolt(served: str):
    """A declared body over 1 MB is refused from its headers alone, before it is read."""
    import http.client
    from urllib.parse import urlparse

    url = urlparse(served)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "2000000")
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()


def test_every_client_uses_the_configured_base_url(app: AllyBot, settings: Settings):
    assert app.bolt.client.base_url == settings.slack_api_url
    assert app.services.gateway.client is app.bolt.client  # type: ignore[attr-defined]


def test_create_app_refuses_incomplete_settings(settings: Settings):
    from dataclasses import replace

    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        create_app(replace(settings, slack_bot_token=None))


def test_the_pool_keeps_a_connection_for_every_listener_thread(app: AllyBot):
    """Every listener thread busy at once, twice: all get a connection, and the second
    time none is opened (a smaller pool closed the extras on return and opened them
    again for the next burst, on PostgreSQL a server process each)."""
    import threading

    from sqlalchemy import event, text

    from bot.app import LISTENER_THREADS

    db = app.services.db
    opened: list[int] = []
    event.listen(db.engine, "connect", lambda *_: opened.append(1))
    barrier = threading.Barrier(LISTENER_THREADS)
    errors: list[BaseException] = []

    def listener() -> None:
        try:
            with db.read() as s:
                s.execute(text("SELECT 1"))
                barrier.wait(20)  # all of them hold a connection at this moment
        except BaseException as exc:
            errors.append(exc)

    for burst in range(2):
        threads = [threading.Thread(target=listener) for _ in range(LISTENER_THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        if burst == 0:
            after_first = len(opened)
    assert len(opened) == after_first


def test_settle_heap_keeps_start_up_objects_out_of_full_collections(app: AllyBot):
    """What exists after start-up is frozen: a full collection walks only what came later."""
    import gc

    from bot.app import settle_heap

    gc.unfreeze()
    try:
        settle_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the app, Bolt and SQLAlchemy: long-lived by nature
        assert len(gc.get_objects()) < frozen  # what a full collection still walks
    finally:
        gc.unfreeze()
