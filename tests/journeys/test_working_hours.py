"""Personal working hours end to end: set by signed command and on the App Home, shown
in /ally status, and honoured by prompt delivery across three zones and a DST change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.core.hours import WorkingHours, member_zone
from bot.sandbox.slackfake import FakeUser, SlackFake
from storage import pairing as pairing_store
from storage.lifecycle_models import WorkingHoursRow
from storage.models import Member, OutboxMessage
from storage.pairing_models import PairingRound
from storage.prompt_models import PromptSchedule
from tests.conftest import ADMIN
from tests.support.helpers import drain
from tests.support.slack_requests import SlackSender


def hours_rows(app: AllyBot) -> list[tuple[str, str, int]]:
    with app.services.db.read() as s:
        return [(r.start, r.end, r.days) for r in s.scalars(select(WorkingHoursRow))]


def test_hours_are_set_shown_and_bad_input_changes_nothing(app: AllyBot, slack: SlackSender):
    assert "join first" in slack.command("U0ALLY01", "hours").text
    assert "join first" in slack.command("U0ALLY01", "hours 10:00-16:00").text
    slack.command("U0ALLY01", "join ally")
    shown = slack.command("U0ALLY01", "hours").text
    assert "09:00-18:00, Monday to Friday (Europe/London)" in shown
    for bad, says in [
        ("hours 18:00-09:00", "end after they start"),
        ("hours 09:10-17:00", "quarter hours"),
        ("hours 9 to 5pm", "Write your hours like"),
        ("hours 09:00-17:00 <!channel>", "&lt;!channel&gt;"),
    ]:
        reply = slack.command("U0ALLY01", bad).text
        assert says in reply and "Nothing was changed" in reply, reply
        assert "<!channel>" not in reply
    assert hours_rows(app) == []
    saved = slack.command("U0ALLY01", "hours 08:30-16:30 sun-thu").text
    assert "08:30-16:30, Sunday to Thursday (Europe/London)" in saved
    assert hours_rows(app) == [("08:30", "16:30", 0b1001111)]
    status = slack.command("U0ALLY01", "status").text
    assert "ally" in status and "08:30-16:30, Sunday to Thursday" in status
    assert "09:00-18:00, Monday to Friday" in slack.command("U0ALLY01", "hours reset").text
    assert hours_rows(app) == []


def submission(user: str, team: str, hours: str, days: list[str]) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "view": {
            "id": f"V0HOURS{len(days)}{hours[:2]}",
            "type": "modal",
            "hash": "h1",
            "callback_id": "hours_modal",
            "private_metadata": "",
            "state": {
                "values": {
                    "hours": {"value": {"type": "plain_text_input", "value": hours}},
                    "days": {
                        "value": {
                            "type": "checkboxes",
                            "selected_options": [{"value": d} for d in days],
                        }
                    },
                }
            },
        },
    }


def test_hours_on_the_app_home(app: AllyBot, slack: SlackSender, slack_fake: SlackFake):
    slack.command("U0COLL02", "join colleague")
    slack.event({"type": "app_home_opened", "user": "U0COLL02", "tab": "home"})
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    home = json.dumps(slack_fake.calls("views.publish")[0].args["view"])
    assert "Your working hours" in home and "hours_edit" in home
    slack.block_action("U0COLL02", "hours_edit")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    form = slack_fake.calls("views.open")[0].args["view"]
    assert form["blocks"][0]["element"]["initial_value"] == "09:00-18:00"
    assert len(form["blocks"][1]["element"]["initial_options"]) == 5
    refused = slack.interaction(submission("U0COLL02", slack.team_id, "18:00-07:00", ["0"]))
    assert refused.json()["response_action"] == "errors"
    assert "hours" in refused.json()["errors"]
    no_days = slack.interaction(submission("U0COLL02", slack.team_id, "07:00-15:00", []))
    assert no_days.json()["errors"] == {"days": "Pick at least one working day."}
    assert hours_rows(app) == []
    ok = submission("U0COLL02", slack.team_id, "07:00-15:00", ["0", "2", "4"])
    assert slack.post_interaction_ok(ok)
    assert hours_rows(app) == [("07:00", "15:00", 0b10101)]
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 2, 10)
    refreshed = json.dumps(slack_fake.calls("views.publish")[-1].args["view"])
    assert "07:00-15:00, Monday, Wednesday and Friday" in refreshed
    assert slack_fake.refusals() == []


def test_members_outside_the_programme_get_no_form(app: AllyBot, slack: SlackSender):
    reply = slack.block_action("U0ALLY05", "hours_edit")
    assert reply.status == 200
    forged = slack.interaction(submission("U0ALLY05", slack.team_id, "07:00-15:00", ["0"]))
    assert forged.json()["response_action"] == "errors"
    assert hours_rows(app) == []


def test_prompts_arrive_inside_personal_hours_across_three_zones_and_a_dst_change(
    app: AllyBot, slack: SlackSender, slack_fake: SlackFake, clock: FrozenClock
):
    """London (clocks change on 29 March), New York and Kolkata, each with their own
    hours: every prompt in three weeks lands inside its member's hours, at the
    default Tuesday 10:00 moved into them (after the end of someone's day: the start
    of their next working day)."""
    clock.set(datetime(2026, 3, 16, 0, 0, tzinfo=UTC))  # Monday
    slack_fake.add_user(FakeUser(id="U0KOLKATA", tz="Asia/Kolkata"))
    people = {
        "U0ALLY03": ("13:00-21:00", WorkingHours(time(13), time(21))),  # London
        "U0COLL03": ("06:00-09:00 tue-thu", WorkingHours(time(6), time(9), {1, 2, 3})),  # NY
        "U0KOLKATA": ("10:30-19:00", WorkingHours(time(10, 30), time(19))),
    }
    slack.command("U0ALLY03", "join ally")
    slack.command("U0COLL03", "join colleague")
    slack.command("U0KOLKATA", "join ally")
    for user, (typed, _hours) in people.items():
        assert "Saved" in slack.command(user, f"hours {typed}").text
    end = clock.now() + timedelta(weeks=3)
    prompts_task = app.services.registry.tasks["prompts"]  # what each scheduler tick runs
    while True:  # run at each moment a prompt falls due, and a minute before
        with app.services.db.read() as s:
            due = s.scalar(select(func.min(PromptSchedule.next_due_at)))
        if due is None or due > end:
            break
        clock.set(due - timedelta(minutes=1))
        assert prompts_task.run(app.services) == 0  # not a minute early
        clock.set(due)
        assert prompts_task.run(app.services) >= 1
        drain(app.dispatcher)
    with app.services.db.read() as s:
        tz = {m.user_id: m.tz for m in s.scalars(select(Member))}
        sent = [
            (r.recipients, r.sent_at)
            for r in s.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("prompt:%"))
            )
        ]
        assert s.scalar(select(PromptSchedule.next_due_at).limit(1)) is not None
    assert tz["U0KOLKATA"] == "Asia/Kolkata"
    by_user: dict[str, list[datetime]] = {}
    for user, sent_at in sent:
        assert sent_at is not None
        by_user.setdefault(user, []).append(sent_at)
    assert sorted(by_user) == sorted(people)
    for user, instants in by_user.items():
        zone = member_zone(tz[user])
        hours = people[user][1]
        assert len(instants) == 3, (user, instants)
        for at in instants:
            local = at.astimezone(zone)
            assert hours.contains(local), (user, local)
    london = sorted(by_user["U0ALLY03"])
    # 13:00 local every Tuesday: 13:00 UTC before the change, 12:00 UTC after it.
    assert [t.astimezone(UTC).hour for t in london] == [13, 13, 12]
    new_york = {t.astimezone(member_zone("America/New_York")) for t in by_user["U0COLL03"]}
    assert {(t.weekday(), t.time()) for t in new_york} == {(2, time(6))}  # Wednesdays 06:00
    kolkata = {
        t.astimezone(member_zone("Asia/Kolkata")).time().replace(second=0, microsecond=0)
        for t in by_user["U0KOLKATA"]
    }
    assert kolkata == {time(10, 30)}


def test_rounds_pair_people_whose_own_hours_overlap(
    app: AllyBot, slack: SlackSender, clock: FrozenClock
):
    """Two London allies, one working evenings, and colleagues in London and New York:
    the round pairs the evening ally with New York, whatever the seed."""
    slack.command("U0ALLY01", "join ally")
    slack.command("U0ALLY02", "join ally")
    slack.command("U0ALLY02", "hours 14:00-22:00")
    slack.command("U0COLL01", "join colleague")  # New York
    slack.command(ADMIN, "join colleague")  # London
    slack.command(ADMIN, "admin programme set default window=0")  # repeats cost nothing
    for week in range(3):
        clock.advance(timedelta(weeks=2))
        assert "Round created" in slack.command(ADMIN, "admin pair run").text, week
        with app.services.db.read() as s:
            latest = s.scalars(select(PairingRound).order_by(PairingRound.id.desc())).first()
            pairs = pairing_store.pairs_in_rounds(s, [latest.id])
            people = pairing_store.participants_of(s, [p.id for p in pairs])
            groups = {frozenset(pp.user_id for pp in people[p.id]) for p in pairs}
        assert groups == {frozenset({"U0ALLY01", ADMIN}), frozenset({"U0ALLY02", "U0COLL01"})}
