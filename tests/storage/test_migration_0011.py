"""Migration 0011: rounds stored before it were complete; outbox rows are not held."""

from __future__ import annotations

from sqlalchemy import text

from storage import migrate
from storage.db import Database
from tests.storage.old_schema import add_default_programme


def test_existing_rounds_stay_visible_and_existing_messages_go(db_url: str):
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0010")
        with db.engine.begin() as conn:
            add_default_programme(conn)
            conn.execute(
                text(
                    "INSERT INTO pairing_round (id, programme_id, period, seed, created_at,"
                    " created_by, report) VALUES (1, 1, '2026-03-03', 0, :at, 'x', '{}')"
                ),
                {"at": "2026-03-03 10:00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO outbox (team_id, kind, recipients, payload, status, attempts,"
                    " next_attempt_at, created_at) VALUES ('T1', 'dm', 'U1', '{}', 'pending', 0,"
                    " :at, :at)"
                ),
                {"at": "2026-03-03 10:00:00"},
            )
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT created_at, completed_at FROM pairing_round")).one()
            assert row.completed_at is not None and row.completed_at == row.created_at
            assert conn.execute(text("SELECT hold FROM outbox")).scalar_one() is None
    finally:
        db.dispose()
