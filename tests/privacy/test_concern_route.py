"""Attack 2: the concern route reaching the reporter's buddy or manager.

Before: ``/ally uncomfortable`` went at once to every programme lead, a lead who was
the reporter's buddy or (per the org import) their manager included. Now a concern
goes only to contacts who take no part in the programme and manage nobody in it; the
recipients depend on the programme alone; anonymous notes wait for the daily batch.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import AllyBot
from bot.feedback.concerns import deliver_due
from bot.pairing.org_import import Row, import_rows
from storage.feedback_models import PendingConcern
from storage.models import AuditEntry
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender

BUDDY_LEAD, MANAGER_LEAD, SAFE_LEAD = "U0ALLY10", "U0ALLY11", "U0ALLY12"
REPORTER, OTHER_REPORTER = "U0COLL10", "U0COLL11"


def _setup(app: AllyBot, slack: PayloadSender) -> None:
    for user, role in (
        (BUDDY_LEAD, "ally"),
        (REPORTER, "colleague"),
        (OTHER_REPORTER, "colleague"),
    ):
        slack.command(user, f"join {role}")
    for lead in (BUDDY_LEAD, MANAGER_LEAD, SAFE_LEAD):
        slack.command(ADMIN, f"admin programme lead default <@{lead}>")
    import_rows(app.services, slack.team_id, [Row(REPORTER, "Sales", MANAGER_LEAD)])


def test_buddy_and_manager_leads_never_receive_a_concern(
    app: AllyBot, slack: PayloadSender, slack_fake, clock
):
    _setup(app, slack)
    reply = slack.command(REPORTER, "uncomfortable my buddy kept interrupting me").text
    assert f"<@{SAFE_LEAD}>" in reply
    assert BUDDY_LEAD not in reply and MANAGER_LEAD not in reply
    # The reporter's buddy might see a DM arrive right after the check-in: nothing goes now.
    drain(app.dispatcher)
    assert slack_fake.messages_to(SAFE_LEAD) == []
    clock.advance(timedelta(days=1))
    deliver_due(app.services)
    drain(app.dispatcher)
    (note,) = slack_fake.messages_to(SAFE_LEAD)
    assert "kept interrupting" in note.args["text"] and REPORTER not in note.args["text"]
    for involved in (BUDDY_LEAD, MANAGER_LEAD):
        texts = [m.args.get("text", "") for m in slack_fake.messages_to(involved)]
        assert not any("uncomfortable" in t or "interrupting" in t for t in texts)
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(PendingConcern)) == 0
        read = s.scalars(select(AuditEntry).where(AuditEntry.action == "read.concern")).all()
    assert [(a.actor, a.detail) for a in read] == [(SAFE_LEAD, None)]  # who, never what


def test_recipients_depend_on_the_programme_not_the_reporter(app: AllyBot, slack: PayloadSender):
    _setup(app, slack)
    first = slack.command(REPORTER, "uncomfortable one").text.split("Sent", 1)[1]
    second = slack.command(OTHER_REPORTER, "uncomfortable two").text.split("Sent", 1)[1]
    assert first == second


def test_admins_cannot_name_an_involved_contact(app: AllyBot, slack: PayloadSender):
    _setup(app, slack)
    for bad in (BUDDY_LEAD, MANAGER_LEAD):
        reply = slack.command(ADMIN, f"admin concern-contacts default <@{bad}>").text
        assert "must not be involved" in reply and "Nothing was changed" in reply
    ok = slack.command(ADMIN, f"admin concern-contacts default <@{SAFE_LEAD}>").text
    assert f"go to: <@{SAFE_LEAD}>" in ok
    assert (
        "only programme admins"
        in slack.command(SAFE_LEAD, "admin concern-contacts default list").text
    )


def test_a_contact_who_joins_later_is_dropped_and_listed(app: AllyBot, slack: PayloadSender):
    _setup(app, slack)
    slack.command(ADMIN, f"admin concern-contacts default <@{SAFE_LEAD}>")
    slack.command(SAFE_LEAD, "join ally")  # now a participant
    listing = slack.command(ADMIN, "admin concern-contacts default list").text
    assert f"Not sent to <@{SAFE_LEAD}>: takes part in the programme" in listing


def test_with_no_valid_contact_the_reporter_is_told_before_sending(
    app: AllyBot, slack: PayloadSender, slack_fake
):
    slack.command(BUDDY_LEAD, "join ally")
    slack.command(ADMIN, f"admin programme lead default <@{BUDDY_LEAD}>")
    slack.block_action(REPORTER, "checkin_uncomfortable", "1")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    view = slack_fake.calls("views.open")[0].args["view"]
    assert "submit" not in view and "HR team" in json.dumps(view)
    assert f"<@{ADMIN}>" in json.dumps(view)  # offered the admins
    reply = slack.command(REPORTER, "uncomfortable something").text
    assert "won't send this" in reply
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(PendingConcern)) == 0


def test_the_form_names_who_will_read_it(slack: PayloadSender, slack_fake, app: AllyBot):
    _setup(app, slack)
    slack.block_action(REPORTER, "checkin_uncomfortable", "1")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    form = json.dumps(slack_fake.calls("views.open")[0].args["view"])
    assert f"<@{SAFE_LEAD}>" in form and BUDDY_LEAD not in form and MANAGER_LEAD not in form
