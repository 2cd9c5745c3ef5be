"""Hypothesis over everything a person can send: every command in the registry (with
its admin actions), every button and every modal, with random unicode, digits of
every script, huge numbers and values of the wrong type, signed into the real app.

The properties: the answer is HTTP 200 or a documented 4xx, never a 5xx; the
last-resort apology never appears (it would mean an unexpected exception); and a
refusal changes nothing in the database (a dump of every table is compared).
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import capabilities
from bot.app import AllyBot
from bot.programmes.form import FIELDS
from tests.conftest import ADMIN
from tests.support.dbdump import dump
from tests.support.slack_requests import PayloadSender, Response

REGISTRY = capabilities.registry()
COMMANDS = sorted(REGISTRY.commands)
ADMIN_ACTIONS = sorted(REGISTRY.admin_actions)
BUTTONS = sorted(REGISTRY.buttons) + sorted(REGISTRY.home_buttons)
MODALS = sorted(REGISTRY.modals)
#: What a refusal says, in one form or another; its request must change nothing.
REFUSALS = (
    "othing was changed",
    "othing was saved",
    "Usage",
    "must be",
    "couldn't",
    "isn't",
    "I don't know",
    "There's no",
    "Try `",
    "Tell me how",
    "not in the programme",
    "already carried out",
)
APOLOGY = "went wrong on our side"
#: 4xx the edge documents: malformed (400), unsigned (401), too large (413), media (415).
DOCUMENTED = {200, 400, 401, 413, 415}

WORDS = [
    "set", "default", "run", "preview", "remove", "list", "add", "swap", "never", "always",
    "enable", "disable", "move", "edit", "lead", "unlead", "create", "join", "leave", "export",
    "yes", "not-yet", "wont", "weeks", "week", "help", "confirm", "listening-01", "ally",
    "colleague", "weekly", "fortnightly", "off", "tuesday", "10:00", "25:99", "engineering",
]  # fmt: skip
KEYS = [f.key for f in FIELDS] + ["nope"]
USERS = ["<@U0ALLY01>", "<@U0COLL02|sam>", "U0ALLY03", "@U0COLL04", "<@U0NOPE>", "<@W0X>", ADMIN]

unicode_text = st.text(min_size=0, max_size=40)
any_digits = st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6)
numbers = st.one_of(
    st.integers(min_value=-5, max_value=40).map(str),
    st.integers(min_value=10**9, max_value=10**30).map(str),
    any_digits,
)
token = st.one_of(
    numbers,
    numbers,
    st.sampled_from(WORDS),
    st.sampled_from(USERS),
    numbers,
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(KEYS), st.one_of(numbers, unicode_text)),
    unicode_text.filter(lambda s: s.strip() != ""),
    st.text(min_size=300, max_size=1200),
)
command_text = st.builds(
    lambda head, rest: " ".join([*head, *rest]),
    st.one_of(
        st.sampled_from(COMMANDS).map(lambda c: [c]),
        st.sampled_from(ADMIN_ACTIONS).map(lambda a: ["admin", a]),
    ),
    st.lists(token, min_size=1, max_size=4),
)
#: What a payload field may hold instead of a string.
wrong_types = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.just([1, "x"]),
    st.just({"nested": "dict"}),
)  # fmt: skip
field_value = st.one_of(numbers, unicode_text, st.text(min_size=2000, max_size=4000), wrong_types)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check(app: AllyBot, reply: Response, before: dict[str, Any], what: object) -> None:
    assert reply.status in DOCUMENTED, (what, reply.status, reply.body[:300])
    assert APOLOGY not in reply.body, (what, reply.body[:300])
    if reply.status != 200 or any(marker in reply.body for marker in REFUSALS):
        assert dump(app.services.db) == before, (what, reply.body[:300])


@settings(FUZZ, max_examples=70)
@given(text=command_text, as_admin=st.booleans())
def test_fuzzed_commands(app: AllyBot, slack: PayloadSender, text: str, as_admin: bool):
    user = ADMIN if as_admin else "U0ALLY01"
    before = dump(app.services.db)
    reply = slack.command(user, text)
    check(app, reply, before, text)


@FUZZ
@given(action_id=st.sampled_from(BUTTONS), value=field_value)
def test_fuzzed_buttons(
    app: AllyBot, slack: PayloadSender, slack_fake, action_id: str, value: object
):
    slack_fake.clear_calls()
    before = dump(app.services.db)
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team_id},
        "user": {"id": "U0ALLY01", "team_id": slack.team_id},
        "api_app_id": "A0ALLYBOT",
        "trigger_id": "1.1.fuzz",
        "container": {"type": "view", "view_id": "V0HOME"},
        "response_url": f"{slack.fake_url}response/fuzz",
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "value": value,
             "action_ts": f"{time.time():.6f}"}
        ],
    }  # fmt: skip
    reply = slack.interaction(payload)
    assert reply.status in DOCUMENTED and reply.status < 500, (action_id, reply.status)
    # A button answers through response_url after its ack: wait for it, then look.
    slack_fake.wait_for(lambda: bool(slack_fake.response_url_posts()), timeout=0.3)
    answers = json.dumps([c.args for c in slack_fake.response_url_posts()])
    assert APOLOGY not in answers, (action_id, value)
    if any(marker in answers for marker in REFUSALS):
        assert dump(app.services.db) == before, (action_id, value, answers[:300])


BLOCKS = [*KEYS, "usefulness", "note", "category", "rating", "text", "reflection", "share"]
block = st.sampled_from([*BLOCKS, "action", "prompt_id", "theme", "audience"])
element = st.one_of(
    st.builds(lambda v: {"value": v}, field_value),
    st.builds(lambda v: {"selected_option": {"value": v}}, field_value),
    st.builds(lambda v: {"selected_option": v}, wrong_types),
    st.builds(
        lambda vs: {"selected_options": [{"value": v} for v in vs]},
        st.lists(field_value, max_size=3),
    ),
    wrong_types,
)  # fmt: skip
state = st.one_of(
    st.dictionaries(block, st.builds(lambda e: {"a": e}, element), max_size=6).map(
        lambda values: {"values": values}
    ),
    wrong_types,
    st.just({"values": ["not", "a", "dict"]}),
)


@FUZZ
@given(callback_id=st.sampled_from(MODALS), state=state, metadata=field_value)
def test_fuzzed_modals(
    app: AllyBot, slack: PayloadSender, callback_id: str, state: object, metadata: object
):
    before = dump(app.services.db)
    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": ADMIN, "team_id": slack.team_id},
        "view": {
            "id": "V0FUZZ",
            "hash": f"h{time.time_ns()}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": state,
        },
    }
    reply = slack.interaction(payload)
    check(app, reply, before, (callback_id, state, metadata))
    if reply.status == 200 and reply.body and reply.json().get("response_action") == "errors":
        assert dump(app.services.db) == before, (callback_id, reply.body[:300])
