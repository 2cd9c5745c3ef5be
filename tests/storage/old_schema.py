"""Rows written with plain SQL into a database migrated only part of the way, for the
tests of one migration's data changes (the models describe the latest schema only)."""

from __future__ import annotations

from sqlalchemy import Connection, text


def add_default_programme(conn: Connection) -> None:
    """Workspace ``T1`` and its programme 1, ``default``, in the columns every
    migration since 0002 has."""
    conn.execute(
        text("INSERT INTO workspace (team_id, created_at) VALUES ('T1', :at)"),
        {"at": "2026-03-01 00:00:00"},
    )
    conn.execute(
        text(
            "INSERT INTO programme (id, team_id, name, cadence_weeks, weekday, local_time,"
            " tz, repeat_window, colleague_round_cap, peer_pairs, checkin_delay_days,"
            " anonymity_threshold, created_at) VALUES (1, 'T1', 'default', 1, 1, '10:00',"
            " 'UTC', 6, 1, false, 5, 5, :at)"
        ),
        {"at": "2026-03-01 00:00:00"},
    )
