"""No dead ends after a pairing changes: signed commands and clicks in, the Slack fake
and the database read back.

Whoever a change affects is told (kindly, naming no one who stepped back), the old
introduction is rewritten with chat.update so its buttons go, and an old button
answers what happened and stores nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.pairing.checkins import CHANGED_BY_ADMINS, DEPARTURE_REPLIES, STATUS_REPLIES
from bot.sandbox.slackfake import SlackFake
from storage import pairing as store
from storage.models import MessageRef, OutboxMessage
from storage.pairing_models import CheckinOutcome, Pair, PairDeparture, PairParticipant, PairRule
from tests.conftest import ADMIN
from tests.journeys.test_pairing_flow import deliver, enrol, rounds_in_db
from tests.support.slack_requests import PayloadSender

ALLY, COLLEAGUE = "U0ALLY00", "U0COLL00"
CHECKIN_BUTTONS = ("pair_met", "pair_not_yet", "pair_end", "checkin_not_yet", "checkin_wont")


# -- helpers --------------------------------------------------------------------------


def pair_of(app: AllyBot, user: str) -> int:
    """The user's newest pair."""
    with app.services.db.read() as s:
        return s.scalar(
            select(PairParticipant.pair_id)
            .where(PairParticipant.user_id == user)
            .order_by(PairParticipant.pair_id.desc())
        )


def people_of(app: AllyBot, pair_id: int) -> list[str]:
    with app.services.db.read() as s:
        return [p.user_id for p in store.participants(s, pair_id)]


def status_of(app: AllyBot, pair_id: int) -> str:
    with app.services.db.read() as s:
        pair = store.pair(s, pair_id)
        assert pair is not None
        return pair.status


def intro_posts(slack_fake: SlackFake, pair_id: int) -> list[Any]:
    """Introductions posted for a pair (their buttons carry the pair's block id)."""
    return [
        c
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and any(b.get("block_id") == f"pair_{pair_id}" for b in c.args.get("blocks") or [])
    ]


def updates_of(slack_fake: SlackFake, post: Any) -> list[Any]:
    """chat.update calls that changed that very message (same channel and ts)."""
    where = (post.response["channel"], post.response["ts"])
    return [
        c
        for c in slack_fake.calls("chat.update")
        if c.ok and (c.args["channel"], c.args["ts"]) == where
    ]


def has_buttons(blocks: list[dict[str, Any]]) -> bool:
    return any(b.get("type") == "actions" for b in blocks)


def dms(slack_fake: SlackFake, user: str) -> list[str]:
    return [
        c.args.get("text", "")
        for c in slack_fake.calls("chat.postMessage")
        if c.ok and c.args.get("channel") == user
    ]


def press(slack: PayloadSender, slack_fake: SlackFake, user: str, action: str, value: str) -> str:
    """Click a button; the private answer Bolt posted to the response URL."""
    before = len(slack_fake.response_url_posts())
    assert slack.block_action(user, action, value).status == 200
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) > before, 10)
    return json.dumps(slack_fake.response_url_posts()[-1].args)


def outcomes(app: AllyBot) -> int:
    with app.services.db.read() as s:
        return s.scalar(select(func.count()).select_from(CheckinOutcome)) or 0


def assert_names_nobody(texts: list[str], *users: str) -> None:
    """Copy about someone stepping back never names them, nor says why."""
    for text in texts:
        for user in users:
            assert user not in text
        for word in ("left", "leave", "paused", "forgot", "deleted"):
            assert word not in text.lower(), text


# -- admin changes -----------------------------------------------------------------


def test_admin_removes_a_pair_both_told_intro_updated_old_buttons_answer(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    pair_id = pair_of(app, ALLY)
    [intro] = intro_posts(slack_fake, pair_id)
    assert has_buttons(intro.args["blocks"])

    reply = slack.command(ADMIN, f"admin pair remove {pair_id}").text
    assert "removed" in reply and "2 people told" in reply
    deliver(app, clock)

    for user, partner in ((ALLY, COLLEAGUE), (COLLEAGUE, ALLY)):
        told = [t for t in dms(slack_fake, user) if "changed this round's pairings" in t]
        assert len(told) == 1 and f"<@{partner}>" in told[0] and "next round" in told[0]
    [update] = updates_of(slack_fake, intro)
    assert not has_buttons(update.args["blocks"])
    assert "This pairing has ended" in update.args["text"]

    # Every old button (intro and nudge) answers what happened and stores nothing.
    for action in CHECKIN_BUTTONS:
        assert CHANGED_BY_ADMINS in press(slack, slack_fake, ALLY, action, str(pair_id))
    assert CHANGED_BY_ADMINS in press(slack, slack_fake, COLLEAGUE, "checkin_yes", str(pair_id))
    assert slack_fake.count("views.open") == 0  # no "how did it go?" form either
    typed = slack.command(ALLY, f"checkin {pair_id} yes").text
    assert CHANGED_BY_ADMINS in typed and "Glad you met" not in typed
    assert CHANGED_BY_ADMINS in slack.command(COLLEAGUE, f"end-pairing {pair_id}").text
    # Someone who was never in it learns nothing about what happened to it.
    assert "isn't one of yours" in press(slack, slack_fake, "U0ALLY05", "pair_met", str(pair_id))
    assert outcomes(app) == 0
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(PairRule)) == 0
    assert status_of(app, pair_id) == "removed"
    # A check-in form opened before the change cannot save either.
    form = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": COLLEAGUE, "team_id": slack.team_id},
        "view": {
            "id": "V0OLDFORM",
            "type": "modal",
            "hash": "h1",
            "callback_id": "checkin_modal",
            "private_metadata": str(pair_id),
            "state": {
                "values": {
                    "usefulness": {
                        "value": {"type": "static_select", "selected_option": {"value": "5"}}
                    },
                    "note": {"value": {"type": "plain_text_input", "value": "great"}},
                }
            },
        },
    }
    answer = slack.interaction(form).json()
    assert answer["response_action"] == "errors"
    assert "changed by the programme admins" in answer["errors"]["usefulness"]
    assert outcomes(app) == 0
    # Nobody is nudged about a pairing that no longer exists.
    clock.advance(timedelta(days=8))
    assert app.services.registry.tasks["checkin-nudges"].run(app.services) == 0
    # Removing it again changes nothing and tells nobody twice.
    assert "already removed" in slack.command(ADMIN, f"admin pair remove {pair_id}").text
    deliver(app, clock)
    assert len(slack_fake.calls("chat.update")) == 1


def test_removed_pair_does_not_count_as_a_repeat_or_a_formed_pair(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    slack.command(ADMIN, f"admin pair remove {pair_of(app, ALLY)}")
    clock.advance(timedelta(weeks=2))
    slack.command(ADMIN, "admin pair run")
    assert rounds_in_db(app)[-1] == [frozenset({ALLY, COLLEAGUE})]
    history = slack.command(ADMIN, f"admin history <@{ALLY}>").text
    assert "removed" in history and "active" in history


def test_swap_tells_the_one_leaving_and_introduces_the_one_joining(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    allies = ["U0ALLY00", "U0ALLY01", "U0ALLY02"]
    enrol(slack, allies=allies, colleagues=["U0COLL00", "U0COLL01"])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    pair_id = pair_of(app, COLLEAGUE)
    leaving = next(u for u in people_of(app, pair_id) if u != COLLEAGUE)
    paired = set().union(*rounds_in_db(app)[-1])
    joining = next(a for a in allies if a not in paired)
    [old_intro] = intro_posts(slack_fake, pair_id)

    reply = slack.command(ADMIN, f"admin pair swap {pair_id} <@{leaving}> <@{joining}>").text
    assert "swapped" in reply
    deliver(app, clock)

    told = [t for t in dms(slack_fake, leaving) if "no longer paired" in t]
    assert len(told) == 1 and f"<@{COLLEAGUE}>" in told[0] and "next round" in told[0]
    [update] = updates_of(slack_fake, old_intro)
    assert not has_buttons(update.args["blocks"])
    assert "no longer applies" in update.args["text"]
    new_intro = intro_posts(slack_fake, pair_id)[-1]
    assert new_intro is not old_intro and has_buttons(new_intro.args["blocks"])
    opened = [
        c for c in slack_fake.calls("conversations.open") if c.ok and joining in c.args["users"]
    ]
    assert {frozenset(c.args["users"].split(",")) for c in opened} == {
        frozenset({joining, COLLEAGUE})
    }
    assert new_intro.response["channel"] == opened[0].response["channel"]["id"]
    assert "programme admins arranged this pairing" in json.dumps(new_intro.args["blocks"])

    # The one who left: their old button answers what happened and records nothing.
    assert CHANGED_BY_ADMINS in press(slack, slack_fake, leaving, "pair_met", str(pair_id))
    assert outcomes(app) == 0
    # The one who joined can check in on the new introduction.
    assert "Glad you met" in press(slack, slack_fake, joining, "pair_met", str(pair_id))
    assert outcomes(app) == 1
    # Swapping them back in clears what their old buttons would have said.
    slack.command(ADMIN, f"admin pair swap {pair_id} <@{joining}> <@{leaving}>")
    assert "Glad you met" in press(slack, slack_fake, leaving, "pair_met", str(pair_id))
    assert CHANGED_BY_ADMINS in press(slack, slack_fake, joining, "pair_not_yet", str(pair_id))


def test_admin_added_pair_says_the_admins_arranged_it(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=["U0ALLY00", "U0ALLY01"], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    spare = next(
        a for a in ("U0ALLY00", "U0ALLY01") if not any(a in g for g in rounds_in_db(app)[-1])
    )
    reply = slack.command(ADMIN, f"admin pair add <@{spare}> <@{COLLEAGUE}>").text
    assert "added" in reply
    deliver(app, clock)
    pair_id = pair_of(app, spare)
    [intro] = intro_posts(slack_fake, pair_id)
    assert "programme admins arranged this pairing" in json.dumps(intro.args["blocks"])


def test_swap_on_a_pair_that_has_ended_is_refused_and_changes_nothing(
    app: AllyBot, slack: PayloadSender
):
    enrol(slack, allies=["U0ALLY00", "U0ALLY01"], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    pair_id = pair_of(app, COLLEAGUE)
    slack.command(ADMIN, f"admin pair remove {pair_id}")
    before = people_of(app, pair_id)
    spare = next(a for a in ("U0ALLY00", "U0ALLY01") if a not in before)
    reply = slack.command(ADMIN, f"admin pair swap {pair_id} <@{before[0]}> <@{spare}>").text
    assert "has ended" in reply
    assert people_of(app, pair_id) == before


# -- departures ---------------------------------------------------------------------


def test_partner_leaves_the_other_is_told_and_offered_a_new_buddy_next_round(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    allies = ["U0ALLY00", "U0ALLY01", "U0ALLY02"]
    enrol(slack, allies=allies, colleagues=["U0COLL00", "U0COLL01"])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    pair_id = pair_of(app, COLLEAGUE)
    [buddy] = [u for u in people_of(app, pair_id) if u != COLLEAGUE]
    [intro] = intro_posts(slack_fake, pair_id)

    assert "You've left" in slack.command(COLLEAGUE, "leave").text
    deliver(app, clock)

    told = [t for t in dms(slack_fake, buddy) if "isn't able to continue" in t]
    assert len(told) == 1 and "new buddy next round" in told[0]
    assert_names_nobody(told, COLLEAGUE)
    [update] = updates_of(slack_fake, intro)
    assert not has_buttons(update.args["blocks"])
    assert "This pairing has closed" in update.args["text"]
    assert_names_nobody([update.args["text"], json.dumps(update.args["blocks"])], COLLEAGUE)
    assert status_of(app, pair_id) == "closed"

    assert STATUS_REPLIES["closed"] in press(slack, slack_fake, buddy, "pair_met", str(pair_id))
    assert DEPARTURE_REPLIES["left"] in press(
        slack, slack_fake, COLLEAGUE, "pair_met", str(pair_id)
    )
    assert outcomes(app) == 0

    # They are first in line next round: the engine puts last round's sit-outs first.
    with app.services.db.read() as s:
        round_id = store.latest_round_id(s, store.pair(s, pair_id).programme_id)
        assert buddy in store.sat_out_in_round(s, round_id)
    enrol(slack, allies=[], colleagues=["U0COLL02"])
    clock.advance(timedelta(weeks=2))
    opened_before = slack_fake.count("conversations.open")
    slack.command(ADMIN, "admin pair run")
    assert any(buddy in g for g in rounds_in_db(app)[-1])
    deliver(app, clock)
    new_round = slack_fake.calls("conversations.open")[opened_before:]
    assert any(buddy in c.args["users"].split(",") for c in new_round)


def test_partner_pauses_the_other_is_told_without_naming_them(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    pair_id = pair_of(app, ALLY)
    assert "Paused" in slack.command(ALLY, "pause 3 weeks").text
    deliver(app, clock)
    told = [t for t in dms(slack_fake, COLLEAGUE) if "isn't able to continue" in t]
    assert len(told) == 1
    assert_names_nobody(told, ALLY)
    assert DEPARTURE_REPLIES["paused"] in press(slack, slack_fake, ALLY, "pair_met", str(pair_id))
    assert STATUS_REPLIES["closed"] in press(
        slack, slack_fake, COLLEAGUE, "pair_not_yet", str(pair_id)
    )
    assert outcomes(app) == 0
    # Pausing again (or leaving after the pause) tells nobody twice.
    slack.command(ALLY, "pause 4 weeks")
    slack.command(ALLY, "leave")
    deliver(app, clock)
    assert len([t for t in dms(slack_fake, COLLEAGUE) if "isn't able to continue" in t]) == 1
    assert len(slack_fake.calls("chat.update")) == 1


def test_partner_forgets_the_other_is_told_and_no_trace_remains(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    pair_id = pair_of(app, COLLEAGUE)
    [intro] = intro_posts(slack_fake, pair_id)
    assert "Done" in slack.command(COLLEAGUE, "forget confirm").text
    deliver(app, clock)
    told = [t for t in dms(slack_fake, ALLY) if "isn't able to continue" in t]
    assert len(told) == 1
    assert_names_nobody(told, COLLEAGUE)
    [update] = updates_of(slack_fake, intro)
    assert not has_buttons(update.args["blocks"])
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(PairDeparture)) == 0
        assert store.participant(s, pair_id, COLLEAGUE) is None
        rows = list(s.scalars(select(OutboxMessage)))
        assert all(COLLEAGUE not in r.recipients for r in rows)
    assert STATUS_REPLIES["closed"] in press(slack, slack_fake, ALLY, "pair_met", str(pair_id))


def test_forget_before_the_intro_went_out_sends_no_intro_and_no_update(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    slack.command(COLLEAGUE, "forget confirm")
    deliver(app, clock)
    assert slack_fake.count("chat.update") == 0
    assert not any("Meet your allyship buddy" in c.args.get("text", "") for c in slack_fake.calls())
    assert any("isn't able to continue" in t for t in dms(slack_fake, ALLY))


def test_removed_before_the_intro_went_out_the_intro_is_updated_once_sent(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    pair_id = pair_of(app, ALLY)
    slack.command(ADMIN, f"admin pair remove {pair_id}")  # nothing delivered yet
    deliver(app, clock)
    [intro] = intro_posts(slack_fake, pair_id)
    [update] = updates_of(slack_fake, intro)
    assert slack_fake.calls().index(update) > slack_fake.calls().index(intro)


def test_ignored_intros_pause_tells_last_rounds_buddy(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    colleagues = ["U0COLL00", "U0COLL01", "U0COLL02"]
    enrol(slack, allies=[ALLY], colleagues=colleagues)
    for _ in range(3):
        slack.command(ADMIN, "admin pair run")
        clock.advance(timedelta(weeks=2))
    last_pair = pair_of(app, ALLY)
    [last_buddy] = [u for u in people_of(app, last_pair) if u != ALLY]
    slack.command(ADMIN, "admin pair run")  # pauses the ally, who never answered
    deliver(app, clock)
    told = [t for t in dms(slack_fake, last_buddy) if "isn't able to continue" in t]
    assert len(told) == 1 and "last round" in told[0]
    assert_names_nobody(told, ALLY)
    assert status_of(app, last_pair) == "closed"
    assert DEPARTURE_REPLIES["paused"] in press(slack, slack_fake, ALLY, "pair_met", str(last_pair))


def test_a_peer_group_carries_on_when_one_steps_back(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack.command(ADMIN, "admin programme set default peer-pairs=yes")
    allies = ["U0ALLY00", "U0ALLY01", "U0ALLY02"]
    enrol(slack, allies=allies, colleagues=[])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    pair_id = pair_of(app, ALLY)
    assert sorted(people_of(app, pair_id)) == allies  # one trio
    [intro] = intro_posts(slack_fake, pair_id)
    slack.command(ALLY, "leave")
    deliver(app, clock)
    rest = allies[1:]
    for user in rest:
        told = [t for t in dms(slack_fake, user) if "One of your group" in t]
        assert len(told) == 1
        assert_names_nobody(told, ALLY)
    [update] = updates_of(slack_fake, intro)
    assert has_buttons(update.args["blocks"])  # the others carry on from the same message
    assert ALLY not in json.dumps(update.args["blocks"])
    assert status_of(app, pair_id) == "active" and people_of(app, pair_id) == rest
    assert DEPARTURE_REPLIES["left"] in press(slack, slack_fake, ALLY, "pair_met", str(pair_id))
    assert "Glad you met" in press(slack, slack_fake, rest[0], "pair_met", str(pair_id))
    # A second one stepping back closes it.
    slack.command(rest[0], "pause")
    deliver(app, clock)
    assert status_of(app, pair_id) == "closed"
    assert any("isn't able to continue" in t for t in dms(slack_fake, rest[1]))


def test_leaving_one_programme_only_touches_its_pairs(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin programme create engineering")
    for user in (ALLY, COLLEAGUE):
        slack.command(user, "programmes join engineering")
    slack.command(ADMIN, "admin pair run")
    slack.command(ADMIN, "admin pair run engineering")
    with app.services.db.read() as s:
        pairs = {p.programme_id: p.id for p in s.scalars(select(Pair))}
    assert len(pairs) == 2
    slack.command(ALLY, "programmes leave engineering")
    deliver(app, clock)
    with app.services.db.read() as s:
        engineering = store.programme_by_name(s, slack.team_id, "engineering")
        assert engineering is not None
        statuses = {pid: store.pair(s, p).status for pid, p in pairs.items()}
    assert statuses[engineering.id] == "closed"
    assert sorted(statuses.values()) == ["active", "closed"]
    assert len([t for t in dms(slack_fake, COLLEAGUE) if "isn't able to continue" in t]) == 1


def test_intro_location_is_all_that_is_kept(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    """A database reader finds where an intro is (channel, ts), never who or what."""
    enrol(slack, allies=[ALLY], colleagues=[COLLEAGUE])
    slack.command(ADMIN, "admin pair run")
    deliver(app, clock)
    with app.services.db.read() as s:
        [ref] = list(s.scalars(select(MessageRef)))
        intro_row = s.scalar(select(OutboxMessage).where(OutboxMessage.ref == ref.ref))
        pair = store.pair(s, pair_of(app, ALLY))
    assert pair is not None and pair.intro_ref == ref.ref
    assert intro_row is not None and intro_row.payload == {}
    assert "U0" not in ref.ref and ref.channel_id.startswith("G")
    assert set(MessageRef.__table__.columns.keys()) == {
        "ref",
        "team_id",
        "channel_id",
        "message_ts",
        "sent_at",
    }
