"""Attack 6: what ``/ally forget`` used to leave behind.

Before: the person stayed in ``audit_log.actor/target``, ``role_grant.granted_by``,
``programme_lead.user_id`` (digests and concerns kept going to them),
``org_profile.manager_id``, ``pair_rule.created_by``, ``pairing_round.created_by``,
``processed_event`` keys, and in SQLite's ``-wal`` file. Now a reflection of the whole
schema finds their id in no cell of any table, audit entries keep a random pseudonym,
closed weeks' figures do not move, and SQLite's file and WAL no longer hold the id.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import AllyBot
from bot.pairing.org_import import Row, import_rows
from storage.models import AuditEntry
from tests.conftest import ADMIN
from tests.journeys.test_feedback import submission
from tests.support.helpers import drain
from tests.support.privacy import cells_holding, file_bytes, reflect
from tests.support.slack_requests import PayloadSender

GONE = "U0ALLY05"


def _a_busy_life(app: AllyBot, slack: PayloadSender) -> None:
    slack.command(GONE, "join ally")
    slack.command("U0COLL08", "join colleague")
    slack.command(ADMIN, f"admin add-admin <@{GONE}>")
    slack.command(GONE, "admin add-lead <@U0ALLY06>")
    slack.command(ADMIN, f"admin programme lead default <@{GONE}>")
    slack.command(GONE, "admin rule never <@U0ALLY07> <@U0COLL07>")
    slack.command(GONE, "admin pair run")
    import_rows(app.services, slack.team_id, [Row("U0COLL05", "Ops", GONE), Row(GONE, "Ops", None)])
    slack.block_action(GONE, "home_pause")
    slack.command(GONE, "resume")
    slack.command("U0COLL09", "join colleague")
    slack.command(ADMIN, "admin concern-contacts default <@U0ALLY09>")
    reflect(app, slack, GONE, "my private thought about privilege", "VREF1")
    slack.command(GONE, "journal")
    slack.command(GONE, "summary")  # audited read
    slack.interaction(submission("U0COLL01", slack.team_id, "a fine idea", "VF1"))
    drain(app.dispatcher)
    # Left pending: a named concern to a contact, with the person's mention in its text.
    named_concern = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": GONE, "team_id": slack.team_id},
        "view": {
            "id": "VCONCERN",
            "type": "modal",
            "hash": "h",
            "callback_id": "uncomfortable_modal",
            "private_metadata": "",
            "state": {
                "values": {
                    "text": {"value": {"type": "plain_text_input", "value": "it was awkward"}},
                    "share": {
                        "value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
                    },
                }
            },
        },
    }
    assert slack.interaction(named_concern).json()["response_action"] == "update"


def test_forget_leaves_the_id_in_no_cell_of_any_table(app: AllyBot, slack: PayloadSender, clock):
    _a_busy_life(app, slack)
    assert cells_holding(app, GONE), "the scenario should have spread the id around"
    with app.services.db.read() as s:
        mine = len(s.scalars(select(AuditEntry).where(AuditEntry.actor == GONE)).all())
    assert mine >= 3
    assert "deleted" in slack.command(GONE, "forget confirm").text
    assert cells_holding(app, GONE) == []
    with app.services.db.read() as s:
        actors = {
            a.actor for a in s.scalars(select(AuditEntry)) if a.actor.startswith("forgotten-")
        }
        entries = s.scalars(select(AuditEntry).where(AuditEntry.actor.in_(actors))).all()
    assert len(actors) == 1 and len(entries) == mine  # one random pseudonym, trail kept
    (pseudonym,) = actors
    assert re.fullmatch(r"forgotten-[0-9a-f]{12}", pseudonym)
    assert pseudonym.removeprefix("forgotten-") not in hashlib.sha256(GONE.encode()).hexdigest()
    # Forgetting someone else draws a new pseudonym: nothing links the two.
    slack.command("U0ALLY06", "summary")  # an audited read of their own
    slack.command("U0ALLY06", "forget confirm")
    with app.services.db.read() as s:
        again = {a.actor for a in s.scalars(select(AuditEntry)) if a.actor.startswith("forgotten-")}
    assert len(again) == 2


def test_sqlite_file_and_wal_forget_the_id_and_the_journal(
    app: AllyBot, slack: PayloadSender, clock
):
    if not app.services.db.is_sqlite:
        pytest.skip("SQLite files; PostgreSQL's VACUUM is the next test")
    _a_busy_life(app, slack)
    before = file_bytes(app)
    assert GONE.encode() in before
    assert b"private thought" not in before  # sealed at rest, even before forget
    slack.command(GONE, "forget confirm")
    after = file_bytes(app)
    assert GONE.encode() not in after


def test_closed_weeks_do_not_move_when_someone_is_forgotten(
    app: AllyBot, slack: PayloadSender, clock
):
    slack.command(ADMIN, "admin add-lead <@U0ALLY20>")
    for i in range(6):
        slack.command(f"U0COLL{i:02d}", "join colleague")
    for i in range(6):
        slack.interaction(
            submission(f"U0COLL{i:02d}", slack.team_id, f"idea {i}", f"V{i}", category="idea")
        )
    clock.advance(timedelta(weeks=1))
    before = sorted(slack.command("U0ALLY20", "summary 1").json()["text"].splitlines())
    slack.command("U0COLL00", "forget confirm")
    slack.command("U0COLL01", "leave")
    after = sorted(slack.command("U0ALLY20", "summary 1").json()["text"].splitlines())
    assert before == after
    assert any("colleague active: 6" in line for line in after)


def test_postgres_vacuums_the_touched_tables_after_a_forget(app: AllyBot, slack: PayloadSender):
    if app.services.db.is_sqlite:
        pytest.skip("PostgreSQL VACUUM; SQLite's WAL is the test above")
    import time

    from sqlalchemy import text

    slack.command(GONE, "join ally")
    slack.command(GONE, "forget confirm")
    deadline = time.monotonic() + 20
    vacuumed = None
    while time.monotonic() < deadline:
        with app.services.db.engine.connect() as conn:
            vacuumed = conn.execute(
                text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'member'")
            ).scalar()
        if vacuumed is not None:
            break
        time.sleep(0.2)
    assert vacuumed is not None
