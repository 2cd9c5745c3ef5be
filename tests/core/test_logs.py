"""Logs are quiet, and no record ever holds what a person typed or who they are.

The attacks run the real libraries: Bolt refusing a forged request, Bolt answering a
command, a listener failing, slack_sdk posting a message to the Slack fake, and real
database errors on SQLite and PostgreSQL. Each first shows the unfiltered record
*does* carry the marker (so the test can fail), then that the filter removes it.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from bot.core import logs
from bot.core.logs import OncePerHour, WithholdBodies, withhold
from bot.sandbox.slackfake import FakeUser, SlackFake
from storage.db import Database
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

MARK = "ZEBRA-private-words-7731"
WHO = "U0MARKED77"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record_texts(record: logging.LogRecord) -> list[str]:
    """Everything a handler could write about ``record``."""
    formatted = logging.Formatter(logs.FORMAT).format(record)
    return [formatted, record.getMessage(), repr(record.args), record.exc_text or ""]


def leaks(records: Iterable[logging.LogRecord], *secrets: str) -> list[str]:
    return [t for r in records for t in record_texts(r) if any(s in t for s in secrets)]


# ------------------------------------------------------------------------- repeats


def _repeat_logger(flt: logging.Filter) -> tuple[logging.Logger, list[logging.LogRecord]]:
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    handler.addFilter(flt)
    logger = logging.getLogger("bot.test.repeats")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, seen


def test_the_same_warning_is_written_once_an_hour():
    clock = Clock()
    logger, seen = _repeat_logger(OncePerHour(clock))
    for i in range(5):
        clock.now += 10
        logger.warning("could not read a member's time zone: %s", f"users.info: user_not_found {i}")
    assert len(seen) == 1
    clock.now = 1010 + 3599  # just inside the hour after the one written
    logger.warning("could not read a member's time zone: %s", "again")
    assert len(seen) == 1
    clock.now = 1010 + 3600
    logger.warning("could not read a member's time zone: %s", "later")
    assert len(seen) == 2
    assert seen[1].getMessage() == (
        "could not read a member's time zone: later (5 similar warnings held back)"
    )
    clock.now += 3600
    logger.warning("could not read a member's time zone: %s", "quiet hour")
    assert seen[2].getMessage() == "could not read a member's time zone: quiet hour"


def test_info_other_templates_levels_and_loggers_are_not_held_back():
    clock = Clock()
    flt = OncePerHour(clock)
    logger, seen = _repeat_logger(flt)
    for _ in range(3):
        logger.info("listening")
    logger.warning("a %s", 1)
    logger.warning("b %s", 1)
    logger.error("a %s", 1)
    other = logging.LogRecord("bot.other", logging.WARNING, __file__, 1, "a %s", (1,), None)
    assert flt.filter(other)
    assert [r.getMessage() for r in seen] == ["listening"] * 3 + ["a 1", "b 1", "a 1"]


def test_remembered_templates_are_bounded():
    clock = Clock()
    flt = OncePerHour(clock, max_keys=3)
    logger, seen = _repeat_logger(flt)
    for i in range(10):
        logger.warning(f"an f-string warning number {i}")
    assert len(seen) == 10 and len(flt._seen) <= 3


def test_configure_logging_holds_back_repeats_with_its_clock(debug_logs):
    clock = Clock()
    out = debug_logs("INFO", clock)
    log = logging.getLogger("bot.membership.members")
    for i in range(10):
        log.warning("could not read a member's time zone: %s", f"users.info: user_not_found {i}")
    assert out.getvalue().count("could not read") == 1
    clock.now += 3600
    log.warning("could not read a member's time zone: %s", "users.info: user_not_found")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].endswith("(9 similar warnings held back)")


def test_libraries_are_quiet_unless_debug(debug_logs):
    debug_logs("INFO")
    for name in ("apscheduler", "slack_sdk", "slack_bolt", logs.SLACK_LOGGER):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    assert logging.getLogger("bot.app").getEffectiveLevel() == logging.INFO
    debug_logs("DEBUG")
    for name in ("apscheduler", "slack_sdk", "slack_bolt", logs.SLACK_LOGGER):
        assert logging.getLogger(name).getEffectiveLevel() == logging.DEBUG, name
    root = logging.getLogger()
    assert sum(isinstance(h, logs.AllybotHandler) for h in root.handlers) == 1


# ------------------------------------------------------- bodies from Slack's libraries


def _signed(body: str, content_type: str, *, secret: str = SIGNING_SECRET) -> BoltRequest:
    ts = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return BoltRequest(
        body=body,
        headers={
            "content-type": [content_type],
            "x-slack-signature": [signature],
            "x-slack-request-timestamp": [ts],
        },
    )


FORM = "application/x-www-form-urlencoded"


def _command_body() -> str:
    return urllib.parse.urlencode(
        {"command": "/ally", "text": f"feedback {MARK}", "user_id": WHO, "team_id": "T0ALLYBOT"}
    )


def _attacks(slack_fake: SlackFake) -> dict[str, Callable[[], None]]:
    """Each makes Bolt or slack_sdk log a body holding MARK or WHO."""
    client = WebClient(token=BOT_TOKEN, base_url=slack_fake.base_url)
    slack_fake.add_user(FakeUser(id=WHO))  # a real person, so Slack accepts the DM
    bolt = App(client=client, signing_secret=SIGNING_SECRET)

    @bolt.command("/ally")
    def echo(ack: Ack) -> None:
        ack(f"you said {MARK}")

    @bolt.view("fails")
    def fails(ack: Ack) -> None:
        raise ValueError(f"could not save {MARK!r} for {WHO}")

    view = {
        "type": "view_submission",
        "team": {"id": "T0ALLYBOT"},
        "user": {"id": WHO},
        "view": {"id": "V1", "type": "modal", "callback_id": "fails", "state": {"values": {}}},
    }
    return {
        "refused request (INFO)": lambda: bolt.dispatch(
            _signed(_command_body(), FORM, secret="not-the-secret")
        ),
        "response body (DEBUG)": lambda: bolt.dispatch(_signed(_command_body(), FORM)),
        "listener error (ERROR)": lambda: bolt.dispatch(
            _signed(urllib.parse.urlencode({"payload": json.dumps(view)}), FORM)
        ),
        "slack_sdk request and response (DEBUG)": lambda: client.chat_postMessage(
            channel=WHO, text=MARK
        ),
    }


@pytest.mark.parametrize(
    "attack",
    [
        "refused request (INFO)",
        "response body (DEBUG)",
        "listener error (ERROR)",
        "slack_sdk request and response (DEBUG)",
    ],
)
def test_real_library_records_lose_bodies(attack: str, slack_fake: SlackFake, caplog):
    caplog.set_level(logging.DEBUG)  # before App(): Bolt copies the root level
    run = _attacks(slack_fake)[attack]
    caplog.clear()
    run()
    records = [r for r in caplog.records if r.name.startswith(("slack_bolt", "slack_sdk"))]
    # The attack is real: unfiltered, these records carry the text and the user id.
    assert leaks(records, MARK, WHO), f"{attack} did not reach the log"
    for record in records:
        assert WithholdBodies().filter(record) is True  # withheld, never dropped
    assert leaks(records, MARK, WHO) == []
    assert any(logs.WITHHELD in r.getMessage() for r in records)


def test_a_refused_request_through_bolt_is_one_short_line(slack_fake: SlackFake, caplog):
    caplog.set_level(logging.DEBUG)
    run = _attacks(slack_fake)["refused request (INFO)"]
    caplog.clear()
    run()
    refused = [r for r in caplog.records if r.name == "slack_bolt.RequestVerification"]
    assert len(refused) == 1
    WithholdBodies().filter(refused[0])
    assert refused[0].getMessage().startswith("Invalid request signature detected")
    assert "\n" not in refused[0].getMessage() and MARK not in refused[0].getMessage()


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ('Responding with status: 200 body: "hi" (3 millis)', "Responding with status: 200 body"),
        ("Unhandled request ({'type': 'x'})", "Unhandled request"),
        (
            "Sending a request - url: http://h/api/x, query_params: {}",
            "Sending a request - url: http://h/api/x",
        ),
        ("Failed to run listener (error: 'U1 said hi')", "Failed to run listener"),
        ("on_message invoked: (message: {...})", "on_message invoked: (message"),
        ("Received bytes: b'hello'", "Received bytes"),
        ("A new session has been established (session id: s-1)", None),
        ("Failed to send a request to Slack API server: <urlopen error refused>", None),
    ],
)
def test_withhold_cuts_where_a_body_starts(message: str, kept: str | None):
    if kept is None:
        assert withhold(message) == message
    else:
        cut = withhold(message)
        assert cut.startswith(kept) and cut.endswith(logs.WITHHELD)
        assert "hi" not in cut.removeprefix(kept) and "hello" not in cut


# ------------------------------------------------------------------ database errors


def _duplicate_workspace(db_url: str, hide_parameters: bool) -> IntegrityError:
    """A real unique violation whose key and row hold the markers."""
    if hide_parameters:
        db = Database(db_url)
        engine = db.engine
    else:
        engine = create_engine(db_url)
    insert = text("INSERT INTO workspace (team_id, name, created_at) VALUES (:t, :n, :c)")
    params = {"t": WHO, "n": MARK, "c": "2026-03-02 09:00:00"}
    try:
        with engine.begin() as conn:
            conn.execute(insert, params)
        with engine.begin() as conn:
            conn.execute(insert, params)
    except IntegrityError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the duplicate was accepted")


def test_database_errors_are_logged_without_values(database: Database, debug_logs, caplog):
    exposed = _duplicate_workspace(database.url, hide_parameters=False)
    # The attack is real: without our settings the error text carries the values.
    assert MARK in str(exposed) or WHO in str(exposed)
    hidden = _duplicate_workspace(database.url, hide_parameters=True)
    assert MARK not in str(hidden)  # hide_parameters keeps bound values out
    if database.engine.dialect.name == "postgresql":
        assert WHO in str(hidden)  # ...but PostgreSQL's DETAIL still quotes the key
    out = debug_logs("DEBUG")
    log = logging.getLogger("bot.core.scheduler")
    for error in (exposed, hidden):
        try:
            raise RuntimeError("task failed") from error
        except RuntimeError:
            log.exception("scheduled task %s failed; will retry next tick", "prune-events")
    written = out.getvalue()
    assert "IntegrityError" in written or "UniqueViolation" in written
    assert "INSERT INTO workspace" in written  # the statement, placeholders only
    assert MARK not in written and WHO not in written
    assert leaks(caplog.records, MARK, WHO) == []


def test_a_database_error_inside_a_slack_library_record_is_scrubbed(database: Database):
    error = _duplicate_workspace(database.url, hide_parameters=False)
    record = logging.LogRecord(
        "slack_bolt.App",
        logging.ERROR,
        __file__,
        1,
        f"Failed to run listener function (error: {error})",
        (),
        (type(error), error, error.__traceback__),
    )
    assert leaks([record], MARK, WHO)
    WithholdBodies().filter(record)
    assert leaks([record], MARK, WHO) == []
    assert record.exc_info is None and "Traceback" in (record.exc_text or "")


def test_tokens_are_masked_in_exception_text_too(debug_logs):
    out = debug_logs("INFO")
    try:
        raise RuntimeError("called with xoxb-1234-5678-abcdef")
    except RuntimeError:
        logging.getLogger("bot.test").exception("with %s", "xapp-1-A1-2-abc")
    assert "xoxb-1234" not in out.getvalue() and "xapp-1-A1" not in out.getvalue()
    assert "xoxb-***" in out.getvalue() and "xapp-***" in out.getvalue()


def test_every_root_handler_is_protected(debug_logs, caplog):
    """caplog's handler (any handler already there) gets the filters too."""
    debug_logs("DEBUG")
    assert any(isinstance(f, WithholdBodies) for f in caplog.handler.filters)
    logging.getLogger("slack_bolt.App").debug('Responding with status: 200 body: "%s"', MARK)
    assert MARK not in caplog.text
    assert leaks(caplog.records, MARK) == []


def test_a_formatted_traceback_keeps_frames_and_causes():
    try:
        try:
            {}["missing"]
        except KeyError as inner:
            raise ValueError("outer") from inner
    except ValueError as exc:
        rendered = logs.safe_traceback(exc, from_slack_library=False)
        python = "".join(traceback.format_exception(exc))
    assert rendered.count("Traceback (most recent call last)") == 2
    assert "KeyError: 'missing'" in rendered and "ValueError: outer" in rendered
    assert "test_logs.py" in rendered and "test_logs.py" in python


def test_a_stricter_level_holds_for_libraries_too(debug_logs):
    out = debug_logs("ERROR")
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    logging.getLogger("slack_bolt.SingleTeamAuthorization").warning("a Bolt warning")
    logging.getLogger("bot.app").warning("one of ours")
    logging.getLogger("bot.app").error("an error")
    assert out.getvalue().splitlines()[-1].endswith("ERROR bot.app: an error")
    assert len(out.getvalue().splitlines()) == 1


def test_library_info_is_not_written_at_info(debug_logs):
    out = debug_logs("INFO")
    logging.getLogger("apscheduler.scheduler").info("Added job")
    logging.getLogger("slack_sdk.web.base_client").info("A retry handler found")
    logging.getLogger(logs.SLACK_LOGGER).info("A new session has been established")
    logging.getLogger("bot.app").info("allybot listening")
    assert out.getvalue().splitlines()[-1].endswith("INFO bot.app: allybot listening")
    assert len(out.getvalue().splitlines()) == 1
