"""Scheduler: fixed jobs, generous misfire grace, and one leader across instances."""

from __future__ import annotations

from datetime import timedelta

from bot.app import AllyBot, create_app
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.services import Actor
from bot.membership import members as membership
from bot.sandbox.slackfake import SlackFake
from storage import leases
from tests.support.helpers import drain


def test_jobs_have_fixed_ids_coalesce_and_grace(settings: Settings, clock: FrozenClock, database):
    for restart in range(3):
        bot = create_app(settings, clock=clock, instance=f"run-{restart}")
        bot.start_background()
        try:
            jobs = bot.scheduler.jobs
            assert sorted(j.id for j in jobs) == ["due-work", "outbox-dispatch"]
            for job in jobs:
                assert job.coalesce is True and job.max_instances == 1
                assert job.misfire_grace_time >= job.trigger.interval.total_seconds()
        finally:
            bot.close()


def test_only_one_instance_runs_due_work(settings: Settings, clock: FrozenClock, app: AllyBot):
    other = create_app(settings, clock=clock, instance="second")
    try:
        first = app.scheduler.tick()
        second = other.scheduler.tick()
        assert "resume-paused" in first and second == {}
        # The leader keeps the lease while alive; when it stops renewing, the
        # other instance takes over after the lease runs out.
        assert app.scheduler.tick() != {}
        clock.advance(app.scheduler.lease + timedelta(seconds=1))
        assert "resume-paused" in other.scheduler.tick()
        assert app.scheduler.tick() == {}
        with other.services.db.read() as s:
            assert leases.holder(s, "scheduler")[0] == other.scheduler.owner
    finally:
        other.close()


def test_expired_pause_resumes_with_a_message(
    app: AllyBot, clock: FrozenClock, slack_fake: SlackFake
):
    actor = Actor("T0ALLYBOT", "U0COLL07")
    membership.join(app.services, actor, membership.Role.COLLEAGUE)
    membership.pause(app.services, actor, 1)
    app.scheduler.tick()
    assert membership.get(app.services, actor).status is membership.Status.PAUSED
    clock.advance(timedelta(weeks=1, minutes=1))
    assert app.scheduler.tick()["resume-paused"] == 1
    assert app.scheduler.tick()["resume-paused"] == 0
    assert membership.get(app.services, actor).status is membership.Status.ACTIVE
    drain(app.dispatcher)
    texts = [c.args["text"] for c in slack_fake.messages_to("U0COLL07")]
    assert sum("pause is over" in t for t in texts) == 1


def test_timezones_missed_at_join_are_filled_in_later(app: AllyBot, slack_fake: SlackFake):
    slack_fake.set_error("users.info", "internal_error")
    actor = Actor("T0ALLYBOT", "U0COLL08")
    membership.join(app.services, actor, membership.Role.COLLEAGUE)
    assert membership.get(app.services, actor).tz == "UTC"
    slack_fake.set_error("users.info", None)
    assert app.scheduler.tick()["refresh-timezones"] == 1
    assert membership.get(app.services, actor).tz == "America/New_York"
