"""Reflection prompts end to end: schedule, delivery, buttons, journal, forget."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.sandbox.slackfake import SlackFake
from storage.models import Member
from storage.prompt_models import JournalEntry, PromptDelivery, PromptSchedule
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender


def prompt_dms(fake: SlackFake, user: str) -> list:
    return [
        c
        for c in fake.messages_to(user)
        if c.ok and c.args.get("text", "").startswith("A reflection prompt")
    ]


def run_until(app: AllyBot, clock: FrozenClock, until: datetime, step=timedelta(minutes=15)):
    while clock.now() < until:
        clock.advance(step)
        app.scheduler.tick()


def test_weekly_prompt_arrives_at_local_time_and_buttons_work(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack.command("U0COLL01", "join colleague")  # America/New_York
    with app.services.db.read() as s:
        sched = s.scalar(select(PromptSchedule))
        # Default: Tuesday 10:00 local = 15:00 UTC on 2026-03-03.
        assert sched.next_due_at == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    run_until(app, clock, datetime(2026, 3, 3, 14, 45, tzinfo=UTC))
    drain(app.dispatcher)
    assert prompt_dms(slack_fake, "U0COLL01") == []
    run_until(app, clock, datetime(2026, 3, 3, 15, 0, tzinfo=UTC))
    drain(app.dispatcher)
    (dm,) = prompt_dms(slack_fake, "U0COLL01")
    delivery = json.dumps(dm.args["blocks"])
    assert "prompt_reflect" in delivery and "prompt_not_now" in delivery
    with app.services.db.read() as s:
        delivery_id = s.scalar(select(PromptDelivery.id))
    # Reflect opens a modal; submitting it (twice, same view) writes one journal entry.
    slack.block_action("U0COLL01", "prompt_reflect", str(delivery_id))
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    submission = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": "U0COLL01", "team_id": slack.team_id},
        "view": {
            "id": "V0REFLECT",
            "type": "modal",
            "hash": "h1",
            "callback_id": "reflect_modal",
            "private_metadata": str(delivery_id),
            "state": {
                "values": {
                    "reflection": {
                        "value": {
                            "type": "plain_text_input",
                            "value": "I noticed <!channel> who spoke first",
                        }
                    }
                }
            },
        },
    }
    assert slack.interaction(submission).status == 200
    assert slack.interaction(submission).status == 200
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 1
        assert s.scalar(select(PromptDelivery.status)) == "answered"
    page = slack.command("U0COLL01", "journal")
    assert "who spoke first" in page.text and "&lt;!channel&gt;" in page.text
    assert "<!channel>" not in page.body
    # Someone else cannot open or answer this prompt.
    slack.block_action("U0ALLY01", "prompt_skip", str(delivery_id))
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) >= 1, 10)
    assert "isn't one of yours" in json.dumps(slack_fake.response_url_posts()[-1].args)
    # Less often: weekly becomes fortnightly.
    slack.block_action("U0COLL01", "prompt_less_often", str(delivery_id))
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) >= 2, 10)
    with app.services.db.read() as s:
        assert s.scalar(select(PromptSchedule.cadence)) == "fortnightly"


def test_preferences_by_command_and_working_hours(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY01", "join ally")  # Europe/London

    def schedule() -> tuple[str, int, str]:
        with app.services.db.read() as s:
            row = s.scalar(select(PromptSchedule))
            return row.cadence, row.weekday, row.local_time

    reply = slack.command("U0ALLY01", "prompts weekly thursday 09:30").json()["text"]
    assert "*every week*, on Thursdays at 09:30 your time (Europe/London)" in reply
    # The next one is said in the member's own time, never in UTC next to local time.
    assert "The next one: Thursday 5 March, 09:30." in reply and "UTC" not in reply
    with app.services.db.read() as s:
        due = s.scalar(select(PromptSchedule.next_due_at))
    local = due.astimezone(ZoneInfo("Europe/London"))
    assert local.weekday() == 3 and (local.hour, local.minute) == (9, 30)
    saved = schedule()
    early = slack.command("U0ALLY01", "prompts weekly thursday 07:30").json()["text"]
    assert "`07:30` is outside working hours (09:00 to 18:00 your time)" in early
    weekend = slack.command("U0ALLY01", "prompts weekly sunday 22:00").json()["text"]
    assert "`sunday` isn't one I can use" in weekend and "Monday to Friday" in weekend
    unknown = slack.command("U0ALLY01", "prompts sometimes").json()["text"]
    assert "I don't understand `sometimes`" in unknown and "`/ally prompts weekly" in unknown
    assert schedule() == saved  # none of the mistakes changed anything
    assert "*off*" in slack.command("U0ALLY01", "prompts off").text
    with app.services.db.read() as s:
        assert s.scalar(select(PromptSchedule.next_due_at)) is None
    twice = slack.command("U0ALLY01", "prompts twice-a-week").json()["text"]
    assert "*twice a week*, starting on Thursdays at 09:30" in twice


def test_reflect_now_journal_export_and_forget(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack.command("U0ALLY02", "join ally")
    reply = slack.command("U0ALLY02", "reflect")
    assert "prompt_reflect" in reply.body
    assert "empty" in slack.command("U0ALLY02", "journal export").text
    with app.services.db.read() as s:
        delivery_id = s.scalar(select(PromptDelivery.id))
    from bot.core.services import Actor
    from bot.prompts.service import save_reflection

    save_reflection(
        app.services,
        Actor(slack.team_id, "U0ALLY02"),
        str(delivery_id),
        "private words",
        "test-key",
    )
    assert "On its way" in slack.command("U0ALLY02", "journal export").text
    drain(app.dispatcher)
    (upload,) = slack_fake.uploaded_files()
    assert b"private words" in upload.content
    warning = slack.command("U0ALLY02", "forget")
    assert "forget_confirm" in warning.body
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 1
    assert "deleted" in slack.command("U0ALLY02", "forget confirm").text
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert s.scalar(select(func.count()).select_from(PromptSchedule)) == 0
        # Counts survive without a link to the person.
        assert s.scalar(select(PromptDelivery.member_id)) is None
    assert "not in the programme" in slack.command("U0ALLY02", "status").text


def test_admin_manages_prompts_and_disabled_ones_are_never_sent(app: AllyBot, slack: PayloadSender):
    listing = slack.command(ADMIN, "admin prompts list")
    assert "prompts*" in listing.text
    assert "only programme admins" in slack.command("U0ALLY03", "admin prompts disable x").text
    from bot.prompts.library import load_default_library, prompts_for_audience

    ally_prompts = prompts_for_audience(load_default_library(), "ally")
    for p in ally_prompts[1:]:
        slack.command(ADMIN, f"admin prompts disable {p.id}")
    slack.command("U0ALLY03", "join ally")
    for _ in range(3):
        assert (
            ally_prompts[0].text[:30]
            in json.loads(slack.command("U0ALLY03", "reflect").body)["text"]
        )
    added = slack.command(ADMIN, "admin prompts add listening allies Who did you interrupt today?")
    assert "Added" in added.text
    assert "isn't valid" in slack.command(ADMIN, "admin prompts add nonsense allies Hi").text


def test_prompt_rhythm_changes_from_the_app_home(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    slack.command("U0ALLY04", "join ally")
    slack.block_action("U0ALLY04", "home_prompts_fortnightly", "fortnightly")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    home = slack_fake.calls("views.publish")[-1].args["view"]
    view = json.dumps(home)
    assert "Reflection prompts" in view and "fortnightly" in view
    (rhythm,) = [b for b in home["blocks"] if b.get("block_id") == "home_prompts"]
    ids = [e["action_id"] for e in rhythm["elements"]]
    assert len(ids) == 4 and len(set(ids)) == 4  # Slack refuses repeated action ids
    with app.services.db.read() as s:
        assert s.scalar(select(PromptSchedule.cadence)) == "fortnightly"
    slack.block_action("U0ALLY04", "home_prompts_sometimes", "sometimes")
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 2, 1.5)
    with app.services.db.read() as s:
        assert s.scalar(select(PromptSchedule.cadence)) == "fortnightly"


def test_journal_text_never_reaches_logs_or_other_people(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, caplog, debug_logs
):
    logged = debug_logs("DEBUG")  # allybot's own logging, as `allybot serve` sets it up
    slack.command("U0ALLY05", "join ally")
    slack.command(ADMIN, "admin add-lead <@U0COLL09>")
    slack.command("U0ALLY05", "reflect")
    with app.services.db.read() as s:
        delivery_id = s.scalar(select(PromptDelivery.id))
    from bot.core.services import Actor
    from bot.prompts.service import save_reflection

    secret = "ZEBRA-secret-reflection-text"
    save_reflection(app.services, Actor(slack.team_id, "U0ALLY05"), str(delivery_id), secret, "k")
    assert secret in slack.command("U0ALLY05", "journal").text
    for user in (ADMIN, "U0COLL09"):
        assert secret not in slack.command(user, "journal").text
        assert secret not in slack.command(user, "admin list").text
    drain(app.dispatcher)
    assert secret not in slack_fake.payloads_text()
    assert secret not in caplog.text and secret not in logged.getvalue()


def test_journal_pages_with_buttons_dates_in_the_members_own_zone(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack.command("U0COLL02", "join colleague")  # America/New_York
    clock.advance(timedelta(hours=17))  # 02:00 UTC on Tuesday 3 March: 21:00 Monday in New York
    for n in range(7):
        slack.command("U0COLL02", "reflect")
        with app.services.db.read() as s:
            delivery_id = s.scalar(select(func.max(PromptDelivery.id)))
        submitted = {
            "type": "view_submission",
            "team": {"id": slack.team_id},
            "user": {"id": "U0COLL02", "team_id": slack.team_id},
            "view": {
                "id": f"V0REFLECT{n}",
                "type": "modal",
                "hash": "h",
                "callback_id": "reflect_modal",
                "private_metadata": str(delivery_id),
                "state": {
                    "values": {
                        "reflection": {"value": {"type": "plain_text_input", "value": f"note {n}"}}
                    }
                },
            },
        }
        assert slack.post_interaction_ok(submitted)
    first = slack.command("U0COLL02", "journal").json()
    assert "(page 1 of 2, newest first; only you can see this)" in first["text"]
    assert "*Monday 2 March 2026*" in first["text"] and "Tuesday" not in first["text"]
    assert "note 6" in first["text"] and "note 1" not in first["text"]
    buttons = [
        e["action_id"] for b in first["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["journal_page_next"]
    slack.block_action("U0COLL02", "journal_page_next", "2", container={"type": "message"})
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) >= 1, 10)
    second = slack_fake.response_url_posts()[-1].args
    assert second["replace_original"] is True and "(page 2 of 2" in second["text"]
    assert "note 0" in second["text"] and "note 6" not in second["text"]
    # Somebody else's click on the same button shows their own (empty) journal, never this one.
    slack.block_action("U0ALLY09", "journal_page_next", "2", container={"type": "message"})
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) >= 2, 10)
    assert "note" not in json.dumps(slack_fake.response_url_posts()[-1].args)
    assert "7 entries" in slack.command("U0COLL02", "journal export").json()["text"]
