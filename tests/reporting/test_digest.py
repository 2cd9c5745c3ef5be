"""The weekly lead digest: once per lead per week, text plus a PNG chart."""

from __future__ import annotations

from datetime import timedelta

from bot.app import AllyBot
from bot.core.clock import FrozenClock
from bot.sandbox.slackfake import SlackFake
from tests.conftest import ADMIN, TEST_SECRET_KEY
from tests.support.helpers import drain
from tests.support.slack_requests import PayloadSender


def test_digest_goes_to_each_lead_once_a_week_with_a_chart(
    app: AllyBot, slack: PayloadSender, slack_fake: SlackFake, clock: FrozenClock
):
    slack.command(ADMIN, "admin add-lead <@U0COLL30>")
    slack.command(ADMIN, "admin programme lead default <@U0COLL30>")
    # Default programme: Monday 10:00 UTC; the clock starts Monday 09:00.
    assert app.scheduler.tick()["lead-digest"] == 0
    clock.advance(timedelta(hours=1, minutes=1))
    assert app.scheduler.tick()["lead-digest"] == 1
    assert app.scheduler.tick()["lead-digest"] == 0
    for _ in range(20):
        drain(app.dispatcher)
        clock.advance(timedelta(seconds=5))
    texts = [c.args["text"] for c in slack_fake.messages_to("U0COLL30")]
    assert sum("Weekly digest" in t for t in texts) == 1
    (chart,) = slack_fake.uploaded_files()
    assert chart.content.startswith(b"\x89PNG") and chart.filename.endswith(".png")
    clock.advance(timedelta(weeks=1))
    assert app.scheduler.tick()["lead-digest"] == 1


def test_export_writes_only_aggregates(app: AllyBot, slack: PayloadSender, settings, tmp_path):
    import subprocess
    import sys

    slack.command("U0COLL01", "join colleague")
    out = tmp_path / "figures.csv"
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": settings.database_url,
        "ALLYBOT_SECRET_KEY": TEST_SECRET_KEY,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "export",
            "--programme",
            "default",
            "--format",
            "csv",
            "--output",
            str(out),
            "--team",
            slack.team_id,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("week,metric,value") and "met rate" in text
    assert "U0COLL01" not in text
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--programme", "nope", "--team", slack.team_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_later_ticks_of_the_week_do_not_redraw_the_chart(
    app: AllyBot, slack: PayloadSender, clock: FrozenClock, monkeypatch
):
    """Every tick after the digest's slot used to compute figures and draw a PNG that
    the outbox then threw away as a duplicate; once every lead has it, nothing is drawn."""
    from bot.reporting import digest

    drawn: list[str] = []
    real = digest.render_trend_png

    def counting(weeks, series, title):
        drawn.append(title)
        return real(weeks, series, title)

    monkeypatch.setattr(digest, "render_trend_png", counting)
    slack.command(ADMIN, "admin add-lead <@U0COLL30>")
    clock.advance(timedelta(hours=1, minutes=1))
    assert app.scheduler.tick()["lead-digest"] == 2  # the lead and the admin
    assert len(drawn) == 1
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        assert app.scheduler.tick()["lead-digest"] == 0
    assert len(drawn) == 1
    # A lead added later in the week still gets this week's digest, chart and all.
    slack.command(ADMIN, "admin add-lead <@U0COLL31>")
    assert app.scheduler.tick()["lead-digest"] == 1
    assert len(drawn) == 2
