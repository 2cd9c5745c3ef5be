"""Migration 0007: manual rounds stored under ``manual:DATE`` fill their period."""

from __future__ import annotations

from sqlalchemy import text

from storage import migrate
from storage.db import Database
from tests.storage.old_schema import add_default_programme


def test_manual_periods_become_the_period_unless_it_was_also_run(db_url: str):
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0006")
        with db.engine.begin() as conn:
            add_default_programme(conn)
            for i, period in enumerate(
                ["manual:2026-03-03", "manual:2026-03-10", "2026-03-10", "2026-03-17"], start=1
            ):
                conn.execute(
                    text(
                        "INSERT INTO pairing_round (id, programme_id, period, seed, created_at,"
                        " created_by, report) VALUES (:id, 1, :period, 0, :at, 'x', '{}')"
                    ),
                    {"id": i, "period": period, "at": "2026-03-01 00:00:00"},
                )
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            periods = conn.execute(text("SELECT period FROM pairing_round ORDER BY id")).scalars()
            assert list(periods) == ["2026-03-03", "manual:2026-03-10", "2026-03-10", "2026-03-17"]
    finally:
        db.dispose()
