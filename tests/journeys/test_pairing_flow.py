"""Buddy pairing end to end: signed commands and clicks in, the Slack fake and the
database checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.sandbox.slackfake import SlackFake
from storage import pairing as store
from storage.models import Member
from storage.pairing_models import CheckinOutcome, PairingRound, PairParticipant, PairRule
from tests.conftest import ADMIN, START
from tests.support.helpers import drain, status_counts
from tests.support.slack_requests import PayloadSender

ALLIES = [f"U0ALLY{i:02d}" for i in range(10)]
COLLEAGUES = [f"U0COLL{i:02d}" for i in range(6)]


def enrol(slack: PayloadSender, allies=ALLIES, colleagues=COLLEAGUES) -> None:
    for user in allies:
        assert "Welcome" in slack.command(user, "join ally").text
    for user in colleagues:
        assert "Welcome" in slack.command(user, "join colleague").text


def rounds_in_db(app: AllyBot) -> list[list[frozenset[str]]]:
    """Every round's groups, oldest first."""
    with app.services.db.read() as s:
        rounds = list(s.scalars(select(PairingRound).order_by(PairingRound.id)))
        out = []
        for r in rounds:
            pairs = store.pairs_in_rounds(s, [r.id])
            people = store.participants_of(s, [p.id for p in pairs])
            out.append([frozenset(pp.user_id for pp in people[p.id]) for p in pairs])
        return out


def deliver(app: AllyBot, clock: FrozenClock, passes: int = 60) -> None:
    for _ in range(passes):
        drain(app.dispatcher)
        with app.services.db.read() as s:
            if status_counts(s).get("pending", 0) == 0:
                return
        clock.advance(timedelta(seconds=5))
    raise AssertionError("outbox never drained")


def test_three_rounds_no_repeats_caps_and_rotating_sit_outs(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack)
    sat_out_by_round: list[set[str]] = []
    for n in range(3):
        reply = slack.command(ADMIN, "admin pair run")
        assert "Round created" in reply.text, reply.text
        # Running the same period again creates nothing new.
        assert "already exists" in slack.command(ADMIN, "admin pair run").text
        deliver(app, clock)
        groups = rounds_in_db(app)[-1]
        assert len(groups) == 6
        paired = set().union(*groups)
        for group in groups:
            assert len(group) == 2 and len(group & set(COLLEAGUES)) == 1
        sat_out_by_round.append(set(ALLIES) - paired)
        assert len(sat_out_by_round[-1]) == 4
        clock.advance(timedelta(weeks=2))
        del n
    every_pair = [g for r in rounds_in_db(app) for g in r]
    assert len(every_pair) == len(set(every_pair)) == 18  # no pair repeats
    # Whoever sat out is first in line next round.
    assert not sat_out_by_round[0] & sat_out_by_round[1]
    assert not sat_out_by_round[1] & sat_out_by_round[2]
    for user in sat_out_by_round[0]:
        texts = [c.args["text"] for c in slack_fake.messages_to(user)]
        told = [t for t in texts if "No pairing for you this round" in t]
        assert told and all("More allies than colleagues" in t for t in told)
        assert all("first in line" in t and "never-rules" not in t for t in told)


def test_every_pair_gets_one_intro_despite_429s(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack)
    slack_fake.fail_every("conversations.open", 2, status=429, retry_after=0)
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    groups = rounds_in_db(app)[-1]
    opened = [c for c in slack_fake.calls("conversations.open") if c.ok]
    intros = [
        c
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and "Meet your allyship buddy" in c.args.get("text", "")
    ]
    assert len(intros) == len(groups) == 6
    channels = {c.args["channel"] for c in intros}
    assert len(channels) == 6
    assert {frozenset(c.args["users"].split(",")) for c in opened} == set(groups)


def test_paused_and_departed_members_are_never_paired(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:4], colleagues=COLLEAGUES[:4])
    slack.command("U0ALLY00", "pause 2 weeks")
    slack.command("U0COLL00", "leave")
    slack.command(ADMIN, "admin pair run")
    paired = set().union(*rounds_in_db(app)[-1])
    assert "U0ALLY00" not in paired and "U0COLL00" not in paired
    assert len(rounds_in_db(app)[-1]) == 3


def test_impossible_rules_give_a_best_effort_round_with_a_report(
    app: AllyBot, slack: PayloadSender
):
    enrol(slack, allies=ALLIES[:2], colleagues=COLLEAGUES[:1])
    for ally in ALLIES[:2]:
        slack.command(ADMIN, f"admin rule never <@{ally}> <@{COLLEAGUES[0]}>")
    preview = slack.command(ADMIN, "admin pair preview")
    assert "Round preview" in preview.text and "No groups; 3 people sitting out" in preview.text
    reply = slack.command(ADMIN, "admin pair run")
    assert "Round created" in reply.text and "sits out" in reply.text
    assert rounds_in_db(app)[-1] == []


def test_scheduled_round_fires_at_programme_local_time(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:2], colleagues=COLLEAGUES[:2])
    # Start is Monday 2026-03-02 09:00 UTC; Wednesday 10:00 in New York is 15:00 UTC.
    reply = slack.command(
        ADMIN,
        "admin programme set default cadence=weekly weekday=wednesday time=10:00 "
        "tz=America/New_York",
    )
    assert "Updated" in reply.text
    clock.advance(timedelta(days=2, hours=5, minutes=59))  # Wed 14:59 UTC
    app.scheduler.tick()
    assert rounds_in_db(app) == []
    clock.advance(timedelta(minutes=2))
    assert app.scheduler.tick()["pairing-rounds"] == 1
    assert app.scheduler.tick()["pairing-rounds"] == 0
    assert len(rounds_in_db(app)) == 1


def _my_pair(app: AllyBot, user: str) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(PairParticipant.pair_id).where(PairParticipant.user_id == user))


def test_checkin_answers_land_in_the_database(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:1])
    slack.command(ADMIN, "admin pair run")
    pair_id = _my_pair(app, "U0ALLY00")
    slack_fake.clear_calls()  # the round's outcome came through response_url too
    slack.block_action("U0ALLY00", "pair_not_yet", str(pair_id))
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) == 1, 10)
    slack.block_action("U0COLL00", "checkin_yes", str(pair_id))
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    view = slack_fake.calls("views.open")[0].args["view"]
    assert view["callback_id"] == "checkin_modal" and view["private_metadata"] == str(pair_id)
    submission = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": "U0COLL00", "team_id": slack.team_id},
        "view": {
            "id": "V0CHECKIN",
            "type": "modal",
            "hash": "h1",
            "callback_id": "checkin_modal",
            "private_metadata": str(pair_id),
            "state": {
                "values": {
                    "usefulness": {
                        "value": {"type": "static_select", "selected_option": {"value": "4"}}
                    },
                    "note": {"value": {"type": "plain_text_input", "value": "<!channel> good"}},
                }
            },
        },
    }
    assert slack.interaction(submission).status == 200
    with app.services.db.read() as s:
        rows = {
            r.user_id: (r.answer, r.usefulness, r.note) for r in s.scalars(select(CheckinOutcome))
        }
    assert rows["U0ALLY00"][0] == "not_yet"
    assert rows["U0COLL00"] == ("met", 4, "<!channel> good")
    # Someone outside the pair cannot answer for it.
    slack.block_action("U0ALLY05", "pair_met", str(pair_id))
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) == 2, 10)
    assert "isn't one of yours" in json.dumps(slack_fake.response_url_posts()[-1].args)
    with app.services.db.read() as s:
        assert len(list(s.scalars(select(CheckinOutcome)))) == 2


def test_end_pairing_blocks_the_pair_for_good(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:1])
    slack.command(ADMIN, "admin pair run")
    pair_id = _my_pair(app, "U0COLL00")
    reply = slack.command("U0COLL00", f"end-pairing {pair_id}")
    assert "has ended" in reply.text
    deliver(app, clock)
    assert any("come to an end" in c.args["text"] for c in slack_fake.messages_to("U0ALLY00"))
    for _ in range(2):
        clock.advance(timedelta(weeks=7))  # beyond any repeat window
        slack.command(ADMIN, "admin pair run")
        assert rounds_in_db(app)[-1] == []
    with app.services.db.read() as s:
        assert s.scalar(select(PairRule.kind)) == "ended"


def test_nudge_after_checkin_delay_once(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:1])
    slack.command(ADMIN, "admin pair run")
    assert app.scheduler.tick()["checkin-nudges"] == 0
    clock.advance(timedelta(days=7, minutes=1))  # five working days later
    assert app.scheduler.tick()["checkin-nudges"] == 2
    assert app.scheduler.tick()["checkin-nudges"] == 0

    def nudged() -> list[str]:
        calls = slack_fake.calls("chat.postMessage")
        return sorted(c.args["channel"] for c in calls if "Did you manage" in c.args["text"])

    # 09:01 in London is inside the ally's hours; 05:01 in New York is not: the
    # colleague's nudge waits for 09:00 there (13:00 UTC, daylight time since 8 March).
    drain(app.dispatcher)
    assert nudged() == ["U0ALLY00"]
    clock.set(datetime(2026, 3, 9, 12, 59, tzinfo=UTC))
    drain(app.dispatcher)
    assert nudged() == ["U0ALLY00"]
    clock.set(datetime(2026, 3, 9, 13, 0, tzinfo=UTC))
    deliver(app, clock)
    assert nudged() == ["U0ALLY00", "U0COLL00"]


def test_three_ignored_intros_pause_the_member(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:3])
    for _ in range(3):
        slack.command(ADMIN, "admin pair run")
        pair_id = _my_pair_latest(app, "U0ALLY00")
        for colleague in COLLEAGUES[:3]:
            if _in_pair(app, pair_id, colleague):
                slack.command(colleague, f"checkin {pair_id} yes")
        clock.advance(timedelta(weeks=2))
    slack.command(ADMIN, "admin pair run")
    with app.services.db.read() as s:
        member = s.scalar(select(Member).where(Member.user_id == "U0ALLY00"))
        assert member.status == "paused"
        colleague = s.scalar(select(Member).where(Member.user_id == "U0COLL00"))
        assert colleague.status == "active"
    deliver(app, clock)
    assert any("paused your pairings" in c.args["text"] for c in slack_fake.messages_to("U0ALLY00"))


def _my_pair_latest(app: AllyBot, user: str) -> int:
    with app.services.db.read() as s:
        return s.scalar(
            select(PairParticipant.pair_id)
            .where(PairParticipant.user_id == user)
            .order_by(PairParticipant.pair_id.desc())
        )


def _in_pair(app: AllyBot, pair_id: int, user: str) -> bool:
    with app.services.db.read() as s:
        return store.participant(s, pair_id, user) is not None


def test_never_list_is_private_and_respected(app: AllyBot, slack: PayloadSender):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:1])
    reply = slack.command("U0COLL00", "never <@U0ALLY00|sam>")
    assert "won't be paired" in reply.text
    assert "U0ALLY00" in slack.command("U0COLL00", "never list").text
    slack.command(ADMIN, "admin pair run")
    assert rounds_in_db(app)[-1] == []


def test_members_join_other_programmes_and_are_paired_there(app: AllyBot, slack: PayloadSender):
    enrol(slack, allies=ALLIES[:2], colleagues=COLLEAGUES[:2])
    assert "Created" in slack.command(ADMIN, "admin programme create engineering").text
    assert "You're in" in slack.command("U0ALLY00", "programmes join engineering").text
    assert "You're in" in slack.command("U0COLL00", "programmes join engineering").text
    listing = slack.command("U0ALLY00", "programmes").text
    assert "engineering (you are in it)" in listing
    reply = slack.command(ADMIN, "admin pair run engineering")
    assert "1 buddy pair;" in reply.text
    assert rounds_in_db(app)[-1] == [frozenset({"U0ALLY00", "U0COLL00"})]


def test_answers_are_final_once_their_week_is_over(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:1])
    slack.command(ADMIN, "admin pair run")
    pair_id = _my_pair(app, "U0ALLY00")
    assert "still time" in slack.command("U0ALLY00", f"checkin {pair_id} not-yet").text
    assert "Glad you met" in slack.command("U0ALLY00", f"checkin {pair_id} yes").text
    clock.advance(timedelta(weeks=1))
    assert "final" in slack.command("U0ALLY00", f"checkin {pair_id} wont").text
    with app.services.db.read() as s:
        assert s.scalar(select(CheckinOutcome.answer)) == "met"


def test_admin_adjusts_the_current_round_and_sees_history(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=ALLIES[:3], colleagues=COLLEAGUES[:2])
    slack.command(ADMIN, "admin pair run")
    pair_id = _my_pair_latest(app, "U0COLL00")
    spare = next(a for a in ALLIES[:3] if not any(a in g for g in rounds_in_db(app)[-1]))
    current = next(g for g in rounds_in_db(app)[-1] if "U0COLL00" in g)
    leaving = next(iter(current - {"U0COLL00"}))
    swapped = slack.command(ADMIN, f"admin pair swap {pair_id} <@{leaving}> <@{spare}>")
    assert "swapped" in swapped.text
    assert frozenset({spare, "U0COLL00"}) in rounds_in_db(app)[-1]
    assert "removed" in slack.command(ADMIN, f"admin pair remove {pair_id}").text
    added = slack.command(ADMIN, f"admin pair add <@{leaving}> <@U0COLL00>")
    assert "added" in added.text
    assert frozenset({leaving, "U0COLL00"}) in rounds_in_db(app)[-1]
    history = slack.command(ADMIN, f"admin history <@{leaving}>").text
    assert "<@U0COLL00>" in history
    deliver(app, clock)
    intros = [
        c
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and "Meet your allyship buddy" in c.args.get("text", "")
    ]
    assert len(intros) == 4  # two from the round, one after the swap, one for the added pair
    assert "only programme admins" in slack.command("U0ALLY00", "admin pair remove 1").text


def test_never_list_mistakes_say_what_was_wrong_and_replies_match_what_was_saved(
    app: AllyBot, slack: PayloadSender
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:2])

    def rules() -> int:
        with app.services.db.read() as s:
            return len(store.rules(s, 1))

    self_reply = slack.command("U0COLL00", "never <@U0COLL00|me>").json()["text"]
    assert "can't be paired with yourself" in self_reply and rules() == 0
    assert "Mention the person" in slack.command("U0COLL00", "never sam").json()["text"]
    missing = slack.command("U0COLL00", "never remove <@U0ALLY00>").json()["text"]
    assert "wasn't on your never-pair list" in missing
    assert "won't be paired" in slack.command("U0COLL00", "never <@U0ALLY00>").text
    assert "already on your" in slack.command("U0COLL00", "never <@U0ALLY00>").text
    assert rules() == 1
    assert "(1 person;" in slack.command("U0COLL00", "never list").json()["text"]
    assert "is off your" in slack.command("U0COLL00", "never remove <@U0ALLY00>").text
    assert rules() == 0


def test_admin_rule_list_is_paged_and_history_dates_read_in_each_admins_zone(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    enrol(slack, allies=ALLIES[:1], colleagues=COLLEAGUES[:1])
    for i in range(1, 21):
        reply = slack.command(ADMIN, f"admin rule never <@U0ALLY{i:02d}> <@U0COLL{i:02d}>")
        assert "Rule added" in reply.text
    assert "already there" in slack.command(ADMIN, "admin rule never <@U0ALLY01> <@U0COLL01>").text
    first = slack.command(ADMIN, "admin rule list").json()
    assert ": 20 rules (page 1 of 2)" in first["text"] and "never pair" in first["text"]
    before = len(slack_fake.response_url_posts())
    slack.block_action(ADMIN, "rules_page_next", "2 default", container={"type": "message"})
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) > before, 10)
    second = slack_fake.response_url_posts()[-1].args
    assert second["replace_original"] is True and "(page 2 of 2)" in second["text"]
    assert "page 1 of 2" in slack.command(ADMIN, "admin rule list default 1").json()["text"]
    forged = len(slack_fake.response_url_posts())
    slack.block_action("U0ALLY00", "rules_page_next", "2 default", container={"type": "message"})
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) > forged, 10)
    assert "never pair" not in json.dumps(slack_fake.response_url_posts()[-1].args)
    assert "There's no rule #999" in slack.command(ADMIN, "admin rule remove 999").text

    slack.command(ADMIN, "admin pair run")
    history = slack.command(ADMIN, "admin history <@U0ALLY00>").json()["text"]
    assert ": 1 pairing, newest first" in history
    stamp = int(START.timestamp())
    assert f"<!date^{stamp}^{{date_short}}|02 Mar 2026>" in history
