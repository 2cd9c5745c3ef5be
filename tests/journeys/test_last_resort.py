"""When the database itself is broken: commands get a short apology with an error id
(never a 5xx, never a traceback), events get 503 so Slack redelivers them, and the
log holds one line per failure without what the person wrote."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.app import AllyBot
from tests.conftest import ADMIN
from tests.support.slack_requests import PayloadSender


@contextmanager
def broken_database(app: AllyBot) -> Iterator[None]:
    """Overwrite the SQLite file with garbage (and restore it): every query then fails."""
    db = app.services.db
    if not db.is_sqlite:
        pytest.skip("the file-level breakage is SQLite's")
    path = Path(db.url.removeprefix("sqlite:///"))
    db.dispose()
    saved = path.read_bytes()
    wal = [p for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))]
    saved_wal = {p: p.read_bytes() for p in wal if p.exists()}
    for p in saved_wal:
        p.unlink()
    path.write_bytes(b"this is not a database" * 200)
    try:
        yield
    finally:
        db.dispose()
        path.write_bytes(saved)
        for p, content in saved_wal.items():
            p.write_bytes(content)


def test_a_broken_database_gives_an_apology_with_a_reference(
    app: AllyBot, slack: PayloadSender, caplog: pytest.LogCaptureFixture
):
    slack.command("U0ALLY01", "join ally")
    slack.command(ADMIN, "admin programme lead default <@U0COLL05>")  # the concern contact
    caplog.set_level(logging.INFO)
    with broken_database(app):
        reply = slack.command("U0ALLY01", "uncomfortable my buddy mocked my accent")
    assert reply.status == 200
    assert "went wrong on our side" in reply.text
    ref = re.search(r"reference: ([0-9a-f]{8})", reply.text)
    assert ref is not None
    lines = [r for r in caplog.records if ref.group(1) in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR
    assert "accent" not in caplog.text and "Traceback" not in reply.body
    # And once the database is back, the bot is too.
    assert "daily batch" in slack.command("U0ALLY01", "uncomfortable again").text


@pytest.mark.http_only
def test_an_event_while_the_database_is_down_is_503_and_redelivered(
    app: AllyBot, slack: PayloadSender, slack_fake
):
    event = {"type": "app_home_opened", "user": "U0ALLY01", "tab": "home"}
    with broken_database(app):
        assert slack.event(event, event_id="Ev0DOWN").status == 503
    assert slack_fake.count("views.publish") == 0
    # Slack's redelivery of the same event, once the database is back, is handled once.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert slack.event(event, event_id="Ev0DOWN", headers=retry).status == 200
    assert slack.event(event, event_id="Ev0DOWN", headers=retry).status == 200
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
