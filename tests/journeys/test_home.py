"""App Home: published on open (once per event id), buttons act and refresh it."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from bot.app import AllyBot
from bot.sandbox.slackfake import SlackFake
from storage.models import Member
from tests.conftest import ADMIN
from tests.support.slack_requests import PayloadSender


def home_opened(user: str) -> dict[str, str]:
    return {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME"}


def last_home(fake: SlackFake, user: str) -> str:
    calls = [c for c in fake.calls("views.publish") if c.args.get("user_id") == user]
    assert calls, "no Home was published"
    return json.dumps(calls[-1].args["view"])


def test_non_member_sees_join_buttons(slack: PayloadSender, slack_fake: SlackFake):
    assert slack.event(home_opened("U0COLL02")).status == 200
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, timeout=10)
    view = last_home(slack_fake, "U0COLL02")
    assert "home_join_ally" in view and "home_join_colleague" in view
    assert "Programme tools" not in view


def test_event_retried_with_same_id_is_handled_once(slack: PayloadSender, slack_fake: SlackFake):
    event = home_opened("U0ALLY01")
    assert slack.event(event, event_id="Ev0RETRY1").status == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.event(event, event_id="Ev0RETRY1", headers=retry).status == 200
    slack_fake.wait_for(lambda: slack_fake.count("views.publish") >= 1, timeout=10)
    # Give a wrongly processed retry time to show up before asserting it did not.
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.publish") > 1, timeout=1.5)
    assert slack_fake.count("views.publish") == 1


def test_ten_concurrent_deliveries_are_handled_once(slack: PayloadSender, slack_fake: SlackFake):
    event = home_opened("U0ALLY02")
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(slack.event(event, event_id="Ev0RACE").status)
        )
        for _ in range(10)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 10
    slack_fake.wait_for(lambda: slack_fake.count("views.publish") >= 1, timeout=10)
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.publish") > 1, timeout=2)
    assert slack_fake.count("views.publish") == 1


def test_home_buttons_change_membership_and_refresh(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    assert slack.block_action("U0COLL03", "home_join_colleague", "colleague").status == 200
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, timeout=10)
    view = last_home(slack_fake, "U0COLL03")
    assert "colleague" in view and "home_pause" in view and "home_leave" in view

    slack.block_action("U0COLL03", "home_pause", "2")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 2, timeout=10)
    assert "home_resume" in last_home(slack_fake, "U0COLL03")

    slack.block_action("U0COLL03", "home_leave")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 3, timeout=10)
    assert "home_join_ally" in last_home(slack_fake, "U0COLL03")
    with app.services.db.read() as s:
        member = s.scalar(select(Member).where(Member.user_id == "U0COLL03"))
        assert member is not None and member.status == "left"


def test_unknown_action_changes_nothing(app: AllyBot, slack: PayloadSender, slack_fake: SlackFake):
    assert slack.block_action("U0ALLY09", "home_make_me_admin", "yes").status == 200
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.publish") > 0, timeout=1.5)
    with app.services.db.read() as s:
        assert s.scalar(select(Member)) is None


def test_admins_see_programme_tools(slack: PayloadSender, slack_fake: SlackFake):
    slack.event(home_opened(ADMIN))
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, timeout=10)
    assert "Programme tools" in last_home(slack_fake, ADMIN)


def test_user_change_refreshes_a_members_time_zone(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY11", "join ally")
    event = {
        "type": "user_change",
        "user": {"id": "U0ALLY11", "tz": "Asia/Tokyo", "tz_offset": 32400},
    }
    assert slack.event(event).status == 200
    for _ in range(100):
        with app.services.db.read() as s:
            member = s.scalar(select(Member).where(Member.user_id == "U0ALLY11"))
            if member.tz == "Asia/Tokyo":
                break
        import time

        time.sleep(0.05)
    assert (member.tz, member.tz_offset_seconds) == ("Asia/Tokyo", 32400)
    # Someone who never joined is not stored at all.
    slack.event({"type": "user_change", "user": {"id": "U0ALLY12", "tz": "Asia/Tokyo"}})
    with app.services.db.read() as s:
        assert s.scalar(select(Member).where(Member.user_id == "U0ALLY12")) is None
