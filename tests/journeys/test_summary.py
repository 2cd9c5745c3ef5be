"""Lead summaries: refused to others, and nothing shown below the anonymity threshold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from storage.models import AuditEntry
from tests.conftest import ADMIN
from tests.journeys.test_feedback import submission
from tests.support.slack_requests import PayloadSender


def send(slack: PayloadSender, n: int, category: str, prefix: str) -> None:
    for i in range(n):
        reply = slack.interaction(
            submission(
                f"U0COLL{i:02d}",
                slack.team_id,
                f"{prefix} number {i} <!channel>",
                f"V{prefix}{i}",
                category=category,
            )
        )
        assert reply.json()["response_action"] == "update"


def test_non_lead_is_refused_and_audited(app: AllyBot, slack: PayloadSender):
    reply = slack.command("U0ALLY01", "summary")
    assert "only programme leads and admins" in reply.text
    with app.services.db.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "summary"))
        assert (entry.actor, entry.outcome) == ("U0ALLY01", "denied")


def test_four_items_stay_hidden_five_are_shown_shuffled_and_undated(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    slack.command(ADMIN, "admin add-lead <@U0COLL20>")
    send(slack, 4, "performative", "perf")
    send(slack, 5, "idea", "idea")
    # The current week is never shown: figures only cover weeks that have ended.
    assert "idea number" not in slack.command("U0COLL20", "summary 1").text
    clock.advance(timedelta(weeks=1))
    reply = slack.command("U0COLL20", "summary 1")
    body = reply.json()["text"]
    assert "perf number" not in body
    assert body.count("idea number") == 5
    # Too few performative items: left out, with no word about why (no "hidden" per line).
    assert "performative" not in body and "hidden" not in body
    assert body.count("Figures from fewer than 5 people are not shown") == 1
    assert "An idea: 5" in body
    assert "2026-03-0" not in body.split("compared")[1]  # no dates next to texts
    assert "<!channel>" not in reply.body


def test_leads_see_the_summary_on_their_home(slack: PayloadSender, slack_fake):
    import json

    slack.command(ADMIN, "admin add-lead <@U0COLL21>")
    slack.event({"type": "app_home_opened", "user": "U0COLL21", "tab": "home"})
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    view = json.dumps(slack_fake.calls("views.publish")[0].args["view"])
    assert "last 4 complete weeks" in view
    slack.event({"type": "app_home_opened", "user": "U0ALLY01", "tab": "home"})
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 2, 10)
    assert "complete weeks" not in json.dumps(slack_fake.calls("views.publish")[1].args["view"])


def test_one_new_response_cannot_be_subtracted_from_two_summaries(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    """Summaries taken just before and just after one more piece of feedback are
    identical: new responses land in the current week, which is never shown."""
    slack.command(ADMIN, "admin add-lead <@U0COLL22>")
    send(slack, 6, "idea", "first")
    clock.advance(timedelta(weeks=1))
    send(slack, 5, "concern", "second")
    before = slack.command("U0COLL22", "summary 2").json()["text"]
    slack.interaction(
        submission("U0COLL39", slack.team_id, "the extra one", "VEXTRA", category="idea")
    )
    after = slack.command("U0COLL22", "summary 2").json()["text"]

    def strip_texts(text: str) -> list[str]:  # texts are reshuffled on every request
        return sorted(line for line in text.splitlines())

    assert strip_texts(before) == strip_texts(after)
    assert "the extra one" not in after


def test_an_empty_summary_says_so_once_instead_of_a_column_of_hidden(
    app: AllyBot, slack: PayloadSender
):
    slack.command(ADMIN, "admin add-lead <@U0COLL23>")
    body = slack.command("U0COLL23", "summary").json()["text"]
    assert "last 4 complete weeks" in body and "Nothing to show for this period yet." in body
    assert "hidden" not in body and "too few" not in body
    assert len(body.splitlines()) == 3


def test_a_programme_lead_reads_their_programme_and_hears_when_a_name_is_wrong(
    app: AllyBot, slack: PayloadSender
):
    slack.command(ADMIN, "admin programme create engineering")
    slack.command(ADMIN, "admin programme lead default <@U0COLL24>")
    assert "last 4 complete weeks" in slack.command("U0COLL24", "summary").json()["text"]
    wrong = slack.command("U0COLL24", "summary nosuch").json()["text"]
    assert "There's no programme called `nosuch`" in wrong and "`engineering`" in wrong
    assert "only programme leads" not in wrong
    other = slack.command("U0COLL24", "summary engineering").json()["text"]
    assert "You lead `default`" in other and "last 4 complete weeks" not in other
    stranger = slack.command("U0ALLY05", "summary nosuch").json()["text"]
    assert "only programme leads and admins" in stranger
