"""An audit row is never lost to what the audited request carried."""

from __future__ import annotations

from sqlalchemy import select

from storage import members as store
from storage.db import Database
from storage.models import AuditEntry
from tests.conftest import START


def test_audit_keeps_a_row_whatever_its_target_holds(database: Database):
    hostile = ["x" * 10_000, "a\x00b", "\ud800lone", "ok\u202e"]
    for target in hostile:
        with database.transaction() as session:
            store.audit(
                session,
                team_id="T0ALLYBOT\x00",
                actor="U0ALLY01",
                action="admin.programme",
                outcome="denied",
                now=START,
                target=target,
                detail=target * 2,
            )
    with database.read() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(rows) == len(hostile)
    assert all(r.team_id == "T0ALLYBOT" for r in rows)
    assert rows[0].target == "x" * 255 and len(rows[0].detail or "") == 1000
    assert rows[1].target == "ab" and rows[2].target == "lone"
