"""Attack 3: a database reader links feedback to its authors.

Before: on SQLite ``feedback``, ``feedback_quota`` and ``processed_event`` rows written
in one transaction shared rowid order, the quota key was an HMAC keyed from the
signing secret (in the same ``.env``), ``processed_event.processed_at`` dated every
item, PostgreSQL's ``xmin`` tied a feedback row to its quota row, and the reply
token's plain SHA-256 matched the raw token in the author's DM. Here the reader gets
the database file itself (read with ``sqlite3``, ``-wal`` bytes included), or SQL on
the real PostgreSQL, plus the signing secret and the member list.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.app import AllyBot
from bot.feedback.anonymous import close_weeks
from tests.conftest import SIGNING_SECRET
from tests.journeys.test_feedback import submission
from tests.support.slack_requests import PayloadSender

AUTHORS = [f"U0COLL{i:02d}" for i in range(6)]


def _submit_week(slack: PayloadSender, slack_fake) -> dict[str, str]:
    """Six people send one item each (half ask for replies); returns their DM tokens."""
    for i, user in enumerate(AUTHORS):
        reply = slack.interaction(
            submission(user, slack.team_id, f"secret text {i}", f"VDB{i}", reply=i % 2 == 0)
        )
        assert reply.json()["response_action"] == "update"
    tokens = {}
    for user in AUTHORS[::2]:
        (dm,) = slack_fake.messages_to(user)
        tokens[user] = dm.args["blocks"][1]["elements"][0]["value"]
    return tokens


def _all_text_values(app: AllyBot) -> list[str]:
    """Every value of every column of every table, as text (what a dump would show)."""
    engine = app.services.db.engine
    values: list[str] = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                values += [v.hex() if isinstance(v, bytes) else str(v) for v in row]
    return values


def _sqlite_path(app: AllyBot) -> Path:
    return Path(app.services.db.url.removeprefix("sqlite:///"))


def test_a_closed_week_holds_nothing_that_names_an_author(
    app: AllyBot, slack: PayloadSender, slack_fake, clock
):
    tokens = _submit_week(slack, slack_fake)
    with app.services.db.read() as s:
        staged_ids = set(s.scalars(text("SELECT id FROM feedback_staging")))
    clock.advance(timedelta(weeks=1))
    assert close_weeks(app.services) == 6
    values = _all_text_values(app)
    with app.services.db.engine.connect() as conn:
        ids = set(conn.scalars(text("SELECT id FROM feedback")))
        for table in ("feedback_staging", "feedback_quota", "feedback_week_key"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        keys = list(conn.scalars(text("SELECT key FROM processed_event")))
    assert not ids & staged_ids  # fresh ids at close: the open week's ids lead nowhere
    assert not any(k.startswith("view:VDB") for k in keys)  # no dated idempotency key
    # The old attack: quota keys recomputed from the signing secret for every member.
    old_key = hashlib.sha256(b"allybot-feedback-quota:" + SIGNING_SECRET.encode()).digest()
    for user in AUTHORS:
        for week in {v for v in values if v.startswith("2026-W")}:
            guess = hmac.new(old_key, f"{slack.team_id}:{user}:{week}".encode(), "sha256")
            assert guess.hexdigest() not in values
    # The DM's raw token, hashed as before, matches nothing; nor does the raw token.
    for token in tokens.values():
        assert hashlib.sha256(token.encode()).hexdigest() not in values
        assert token not in values


def test_sqlite_file_has_no_rowid_order_and_an_empty_wal(
    app: AllyBot, slack: PayloadSender, slack_fake, clock
):
    if not app.services.db.is_sqlite:
        pytest.skip("SQLite file attack")
    _submit_week(slack, slack_fake)
    clock.advance(timedelta(weeks=1))
    close_weeks(app.services)
    path = _sqlite_path(app)
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table in ("feedback", "feedback_staging", "feedback_quota", "feedback_reply"):
            with pytest.raises(sqlite3.OperationalError, match="rowid"):
                reader.execute(f"SELECT rowid FROM {table}").fetchall()
        assert reader.execute("PRAGMA secure_delete").fetchone() is not None
    finally:
        reader.close()
    wal = Path(str(path) + "-wal")
    wal_bytes = wal.read_bytes() if wal.exists() else b""
    assert b"secret text" not in wal_bytes  # checkpointed and truncated at close
    with app.services.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


@pytest.mark.postgres
def test_postgres_xmin_ties_no_item_to_a_quota_row(
    app: AllyBot, slack: PayloadSender, slack_fake, clock
):
    if app.services.db.is_sqlite:
        pytest.skip("PostgreSQL xmin attack")
    _submit_week(slack, slack_fake)
    with app.services.db.engine.connect() as conn:
        open_week = set(conn.scalars(text("SELECT xmin::text FROM feedback_quota")))
    assert len(open_week) == 6  # the residual open-week risk, stated in docs/privacy.md
    clock.advance(timedelta(weeks=1))
    close_weeks(app.services)
    with app.services.db.engine.connect() as conn:
        xmins = set(conn.scalars(text("SELECT xmin::text FROM feedback")))
        assert conn.execute(text("SELECT count(*) FROM feedback_quota")).scalar() == 0
    assert len(xmins) == 1  # every item written by the one closing transaction
    assert not xmins & open_week


def test_a_held_lock_leaves_the_week_whole_and_the_next_close_moves_it_once(
    app: AllyBot, slack: PayloadSender, slack_fake, clock
):
    """The move is one transaction: while another writer holds SQLite's lock the close
    fails as a whole (nothing moved, nothing deleted); the next run moves every item once."""
    if not app.services.db.is_sqlite:
        pytest.skip("SQLite write lock")
    from dataclasses import replace

    from storage.db import Database, StorageBusy

    _submit_week(slack, slack_fake)
    clock.advance(timedelta(weeks=1))
    impatient = replace(app.services, db=Database(app.services.db.url, busy_timeout_ms=200))
    holder = Database(app.services.db.url)
    try:
        with holder.transaction() as held:
            held.execute(text("UPDATE feedback_week_key SET week = week"))
            with pytest.raises(StorageBusy):
                close_weeks(impatient)
        with app.services.db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM feedback_staging")).scalar() == 6
            assert conn.execute(text("SELECT count(*) FROM feedback_quota")).scalar() == 6
        assert close_weeks(impatient) == 6
        assert close_weeks(impatient) == 0
    finally:
        impatient.db.dispose()
        holder.dispose()
    with app.services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 6
