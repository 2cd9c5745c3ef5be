"""Admins manage prompts from the App Home form and the CLI; members cannot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import AllyBot
from bot.sandbox.slackfake import SlackFake
from storage.prompt_models import PromptEntry
from tests.conftest import ADMIN, TEST_SECRET_KEY
from tests.support.forms import submission
from tests.support.slack_requests import PayloadSender


def open_form(slack: PayloadSender, slack_fake: SlackFake) -> dict[str, Any]:
    before = slack_fake.count("views.open")
    slack.block_action(ADMIN, "prompts_manage")
    assert slack_fake.wait_for(lambda: slack_fake.count("views.open") == before + 1, 10)
    return slack_fake.calls("views.open")[-1].args["view"]


def entry(app: AllyBot, prompt_id: str) -> tuple[bool, str, int] | None:
    with app.services.db.read() as s:
        row = s.scalar(select(PromptEntry).where(PromptEntry.prompt_id == prompt_id))
        return (row.enabled, row.text, row.position) if row else None


def test_admin_form_adds_edits_disables_and_moves(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    view = open_form(slack, slack_fake)
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {
        "action": "static_select",
        "prompt_id": "static_select",
        "theme": "static_select",
        "audience": "static_select",
        "text": "plain_text_input",
        "position": "number_input",
    }
    chosen = {b["block_id"]: b["element"] for b in view["blocks"]}["prompt_id"]
    offered = [o["value"] for g in chosen["option_groups"] for o in g["options"]]
    assert len(offered) == 68 and "privilege-01" in offered
    team = slack.team_id

    def submit(**answers: str) -> bool:
        return slack.post_interaction_ok(submission(ADMIN, team, view, answers))

    assert submit(
        action="add", theme="listening", audience="allies", text="Whose silence did you notice?"
    )
    with app.services.db.read() as s:
        new_id = s.scalar(
            select(PromptEntry.prompt_id).where(PromptEntry.text.like("Whose silence%"))
        )
    assert new_id and new_id.startswith("listening-custom-")
    assert submit(action="disable", prompt_id=new_id)
    assert entry(app, new_id)[0] is False
    assert submit(action="edit", prompt_id=new_id, text="Whose silence did you notice today?")
    assert submit(action="move", prompt_id=new_id, position="1")
    assert entry(app, new_id)[1:] == ("Whose silence did you notice today?", 1)


def test_each_missing_or_wrong_field_is_named_under_that_field(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    view = open_form(slack, slack_fake)
    team = slack.team_id

    def errors(**answers: str) -> dict[str, str]:
        reply = slack.interaction(submission(ADMIN, team, view, answers))
        assert reply.json()["response_action"] == "errors"
        return reply.json()["errors"]

    assert set(errors(action="explode")) == {"action"}
    assert set(errors(action="add")) == {"theme", "audience"}
    assert set(errors(action="add", theme="listening", audience="allies")) == {"text"}
    assert (
        "299" in errors(action="add", theme="listening", audience="allies", text="x" * 400)["text"]
    )
    assert set(errors(action="edit", text="New words")) == {"prompt_id"}
    assert "no longer exists" in errors(action="enable", prompt_id="nope-01")["prompt_id"]
    assert set(errors(action="move", prompt_id="privilege-01")) == {"position"}
    assert set(errors(action="move", prompt_id="privilege-01", position="0")) == {"position"}
    assert entry(app, "privilege-01") == (True, entry(app, "privilege-01")[1], 1)
    with app.services.db.read() as s:
        assert s.scalar(select(PromptEntry).where(PromptEntry.prompt_id.like("%custom%"))) is None


def test_the_prompt_list_is_paged_with_buttons_and_shows_every_prompt_whole(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake
):
    first = slack.command(ADMIN, "admin prompts list").json()
    assert "68 prompts" in first["text"] and "(page 1 of 7)" in first["text"]
    pages = [first]
    for number in range(2, 8):
        before = len(slack_fake.response_url_posts())
        slack.block_action(ADMIN, "prompts_list_next", str(number), container={"type": "message"})
        assert slack_fake.wait_for(lambda n=before: len(slack_fake.response_url_posts()) > n, 10)
        posted = slack_fake.response_url_posts()[-1].args
        assert posted["replace_original"] is True
        pages.append(posted)
    with app.services.db.read() as s:
        texts = s.scalars(select(PromptEntry.text)).all()
    shown = [
        "\n".join(b["text"]["text"] for b in p["blocks"] if b["type"] == "section") for p in pages
    ]
    for text in texts:
        assert sum(text.replace("&", "&amp;") in page for page in shown) == 1, text
    assert "(page 7 of 7)" in shown[-1]
    for page in pages:
        assert all(len(b["text"]["text"]) <= 3000 for b in page["blocks"] if "text" in b)
    # The typed twin of the last page, and a member's forged click shows nothing.
    assert "(page 7 of 7)" in slack.command(ADMIN, "admin prompts list 7").json()["text"]
    before = len(slack_fake.response_url_posts())
    slack.block_action("U0ALLY01", "prompts_list_next", "2", container={"type": "message"})
    assert slack_fake.wait_for(lambda: len(slack_fake.response_url_posts()) > before, 10)
    refused = json.dumps(slack_fake.response_url_posts()[-1].args)
    assert "only programme admins" in refused and "privilege-01" not in refused


def test_member_cannot_use_the_prompt_form(app: AllyBot, slack: PayloadSender, slack_fake):
    view = open_form(slack, slack_fake)
    reply = slack.interaction(
        submission(
            "U0ALLY01", slack.team_id, view, {"action": "disable", "prompt_id": "privilege-01"}
        )
    )
    assert reply.json()["response_action"] == "errors"
    slack.block_action("U0ALLY01", "prompts_manage")
    assert not slack_fake.wait_for(lambda: slack_fake.count("views.open") > 1, 1)
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
