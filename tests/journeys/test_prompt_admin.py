"""Admins manage prompts from the App Home form and the CLI; members cannot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app import AllyBot
from bot.sandbox.slackfake import SlackFake
from storage.prompt_models import PromptEntry
from tests.conftest import ADMIN, TEST_SECRET_KEY
from tests.support.slack_requests import PayloadSender


def form(user: str, team: str, **values: str) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "view": {
            "id": "V0PROMPTS",
            "type": "modal",
            "hash": "h",
            "callback_id": "prompts_modal",
            "private_metadata": "",
            "state": {
                "values": {
                    k: {"value": {"type": "plain_text_input", "value": v}}
                    for k, v in values.items()
                }
            },
        },
    }


def entry(app: AllyBot, prompt_id: str) -> tuple[bool, str, int] | None:
    with app.services.db.read() as s:
        row = s.scalar(select(PromptEntry).where(PromptEntry.prompt_id == prompt_id))
        return (row.enabled, row.text, row.position) if row else None


def test_admin_form_adds_edits_disables_and_moves(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    slack.block_action(ADMIN, "prompts_manage")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == 1, 10)
    team = slack.team_id
    assert slack.post_interaction_ok(
        form(
            ADMIN,
            team,
            action="add",
            theme="listening",
            audience="allies",
            text="Whose silence did you notice today?",
        )
    )
    with app.services.db.read() as s:
        new_id = s.scalar(
            select(PromptEntry.prompt_id).where(PromptEntry.text.like("Whose silence%"))
        )
    assert new_id and new_id.startswith("listening-custom-")
    assert slack.post_interaction_ok(form(ADMIN, team, action="disable", prompt_id=new_id))
    assert entry(app, new_id)[0] is False
    assert slack.post_interaction_ok(
        form(ADMIN, team, action="edit", prompt_id=new_id, text="Whose silence did you notice?")
    )
    assert slack.post_interaction_ok(form(ADMIN, team, action="move", prompt_id=new_id, text="1"))
    assert entry(app, new_id)[1:] == ("Whose silence did you notice?", 1)
    bad = slack.interaction(form(ADMIN, team, action="explode"))
    assert bad.json()["response_action"] == "errors"


def test_member_cannot_use_the_prompt_form(app: AllyBot, slack: PayloadSender, slack_fake):
    reply = slack.interaction(
        form("U0ALLY01", slack.team_id, action="disable", prompt_id="privilege-01")
    )
    assert reply.json()["response_action"] == "errors"
    slack.block_action("U0ALLY01", "prompts_manage")
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.open") > 0, 1)
    current = entry(app, "privilege-01")
    assert current is None or current[0] is True


def test_cli_exports_and_imports_the_library(app: AllyBot, settings, tmp_path: Path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": settings.database_url,
        "ALLYBOT_SECRET_KEY": TEST_SECRET_KEY,
    }
    out = tmp_path / "prompts.toml"
    run = [sys.executable, "-m", "bot", "prompts"]
    done = subprocess.run(
        [*run, "export", str(out), "--team", "T0ALLYBOT"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.count("[[prompts]]") >= 60
    out.write_text(text.replace("[[prompts]]\n", "[[prompts]]\nenabled = false\n", 1))
    done = subprocess.run(
        [*run, "import", str(out), "--team", "T0ALLYBOT"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "imported" in done.stdout, done.stderr
    with app.services.db.read() as s:
        assert s.scalar(select(PromptEntry).where(PromptEntry.enabled.is_(False))) is not None
    broken = tmp_path / "broken.toml"
    broken.write_text('[[prompts]]\nid = "x"\ntheme = "nope"\n')
    done = subprocess.run(
        [*run, "import", str(broken), "--team", "T0ALLYBOT"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
