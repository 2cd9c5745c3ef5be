"""The first admin, from a workspace nobody administers to one that runs itself.

A person opens the Home and is told how an admin is made, with their own member id;
``/ally status`` shows it too; the operator runs ``allybot admin grant`` (no
``--team``: ``serve`` recorded the workspace); the new admin can act in Slack at once.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot import capabilities
from bot.app import AllyBot, create_app, prepare_database
from bot.cli import build_parser, run_verb
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.setup_home import first_admin_text
from bot.sandbox.slackfake import SlackFake
from storage import members as members_store
from storage import migrate
from storage.db import Database
from storage.models import AuditEntry, RoleGrant
from tests.conftest import SIGNING_SECRET
from tests.journeys.test_home import home_opened, last_home
from tests.support.slack_requests import PayloadSender, SlackSender

PERSON = "U0ALLY03"


class Cli:
    """``allybot VERB ...`` through the real parser and verb runner, in this process."""

    def __init__(self, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
        self.settings = settings
        self.capsys = capsys
        self.registry = capabilities.registry()

    def __call__(self, *words: str) -> tuple[int, str, str]:
        args: argparse.Namespace = build_parser(self.registry).parse_args(list(words))
        code = run_verb(self.settings, self.registry, args)
        out = self.capsys.readouterr()
        return code, out.out.strip(), out.err.strip()


@pytest.fixture
def unadministered(settings: Settings) -> Settings:
    """No ``ALLYBOT_ADMINS``: the state of a fresh install."""
    return replace(settings, admins=frozenset())


@pytest.fixture
def bare_app(unadministered: Settings, clock: FrozenClock) -> Iterator[AllyBot]:
    migrate.upgrade(Database(unadministered.database_url))
    bot = create_app(unadministered, clock=clock, sleep=lambda _s: None)
    yield bot
    bot.close()


@pytest.fixture
def sender(bare_app: AllyBot, slack_fake: SlackFake) -> Iterator[SlackSender]:
    server = bare_app.serve_http("127.0.0.1", 0)
    yield SlackSender(
        f"http://127.0.0.1:{server.server_port}",
        SIGNING_SECRET,
        team_id=slack_fake.team_id,
        fake_url=slack_fake.root_url + "/",
    )
    server.shutdown()
    server.server_close()


@pytest.fixture
def cli(unadministered: Settings, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(unadministered, capsys)


def test_from_no_admin_to_a_working_admin(
    bare_app: AllyBot, sender: SlackSender, slack_fake: SlackFake, cli: Cli
):
    # Nobody is an admin: the Home says how one is made, with the reader's own id.
    assert sender.event(home_opened(PERSON)).status == 200
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    home = last_home(slack_fake, PERSON)
    assert "Nobody is an admin here yet" in home
    assert f"ALLYBOT_ADMINS={PERSON}" in home and f"allybot admin grant {PERSON} admin" in home
    assert f"Your Slack member id is `{PERSON}`" in sender.command(PERSON, "status").text
    assert "only programme admins" in sender.command(PERSON, "admin list").text
    # serve records the workspace at start, so the operator needs no --team.
    prepare_database(bare_app.settings, slack_fake.team_id)
    code, out, err = cli("admin", "grant", f"<@{PERSON}>", "admin")
    assert (code, out, err) == (0, f"{PERSON} is now a programme admin.", "")
    with bare_app.services.db.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "cli.admin.grant"))
        assert entry is not None
        assert (entry.actor, entry.target, entry.outcome) == ("cli", f"{PERSON} admin", "ok")
        assert entry.team_id == slack_fake.team_id
    # The new admin acts in Slack at once, and the note is gone from the Home.
    assert f"<@{PERSON}>: admin" in sender.command(PERSON, "admin list").text
    assert sender.event(home_opened(PERSON)).status == 200
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 2, 10)
    assert "Nobody is an admin here yet" not in last_home(slack_fake, PERSON)


def test_no_note_when_allybot_admins_names_someone(slack: PayloadSender, slack_fake: SlackFake):
    assert slack.event(home_opened("U0COLL02")).status == 200
    assert slack_fake.wait_for(lambda: slack_fake.count("views.publish") == 1, 10)
    assert "Nobody is an admin here yet" not in last_home(slack_fake, "U0COLL02")


def test_grant_revoke_and_list(bare_app: AllyBot, slack_fake: SlackFake, cli: Cli):
    prepare_database(bare_app.settings, slack_fake.team_id)
    assert cli("admin", "grant", PERSON, "admin")[0] == 0
    assert cli("admin", "grant", PERSON, "admin")[1] == f"{PERSON} is already a programme admin."
    assert cli("admin", "grant", "@U0COLL04", "lead")[1] == "U0COLL04 is now a programme lead."
    assert cli("admin", "list")[1].splitlines() == [f"{PERSON} admin", "U0COLL04 lead"]
    # The last admin stays: refused, nothing changed, the attempt audited.
    code, out, err = cli("admin", "revoke", PERSON, "admin")
    assert (code, out) == (2, "")
    assert err == "allybot: That would leave the programme with no admin at all."
    revoked = cli("admin", "revoke", "U0COLL04", "lead")[1]
    assert revoked == "U0COLL04 is no longer a programme lead."
    assert cli("admin", "revoke", "U0COLL04", "lead")[1] == "U0COLL04 was not a programme lead."
    with bare_app.services.db.read() as s:
        grants = [(g.user_id, g.role, g.granted_by) for g in s.scalars(select(RoleGrant))]
        outcomes = [
            (a.action, a.outcome)
            for a in s.scalars(select(AuditEntry).where(AuditEntry.actor == "cli"))
        ]
    assert grants == [(PERSON, "admin", "cli")]
    assert ("cli.admin.revoke", "invalid") in outcomes
    assert outcomes.count(("cli.admin.grant", "ok")) == 3


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (("admin", "grant", "@sam", "admin"), "Slack member id, like U012AB3CD"),
        (("admin", "grant", "sam@example.com", "lead"), "Slack member id"),
        (("admin", "grant", PERSON), "Say which role"),
        (("admin", "grant"), "Slack member id"),
    ],
)
def test_what_the_cli_cannot_use_changes_nothing(
    bare_app: AllyBot, slack_fake: SlackFake, cli: Cli, words: tuple[str, ...], says: str
):
    prepare_database(bare_app.settings, slack_fake.team_id)
    code, out, err = cli(*words)
    assert code == 2 and out == "" and says in err and len(err.splitlines()) == 1
    with bare_app.services.db.read() as s:
        assert list(s.scalars(select(RoleGrant))) == []


def test_the_workspace_comes_from_the_database(bare_app: AllyBot, cli: Cli, tmp_path):
    code, _out, err = cli("admin", "grant", PERSON, "admin")
    assert code == 2 and "No workspace yet: start the bot once" in err
    for team in ("T0SECOND", "T0FIRST"):
        with bare_app.services.db.transaction() as s:
            members_store.ensure_workspace(s, team, bare_app.services.clock.now())
    for words in (
        ("admin", "grant", PERSON, "admin"),
        ("prompts", "export", str(tmp_path / "p.toml")),
        ("export",),
    ):
        code, _out, err = cli(*words)
        assert code == 2, words
        assert err == (
            "allybot: This database holds 2 workspaces (T0FIRST, T0SECOND): say which with --team."
        )
    assert cli("admin", "grant", PERSON, "admin", "--team", "T0FIRST")[0] == 0
    assert cli("prompts", "export", str(tmp_path / "p.toml"), "--team", "T0FIRST")[0] == 0
    assert (tmp_path / "p.toml").read_text().count("[[prompts]]") >= 60


def test_one_workspace_needs_no_team(bare_app: AllyBot, slack_fake: SlackFake, cli: Cli, tmp_path):
    prepare_database(bare_app.settings, slack_fake.team_id)
    prepare_database(bare_app.settings, slack_fake.team_id)  # a restart records it once
    code, out, _err = cli("prompts", "export", str(tmp_path / "p.toml"))
    assert code == 0 and (tmp_path / "p.toml").read_text().count("[[prompts]]") >= 60
    code, out, _err = cli("export")
    assert code == 0 and out.startswith("week,metric,value")


def test_the_note_escapes_what_it_shows():
    assert "<" not in first_admin_text("<!channel>")
    assert json.dumps(first_admin_text("U0ALLY03")).count("U0ALLY03") == 3
