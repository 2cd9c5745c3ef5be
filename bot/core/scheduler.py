"""Background work: deliver the outbox and run whatever is due.

The due-work tick runs every capability's :class:`~bot.core.registry.Task`
in capability order. Jobs carry no state: each tick re-reads what is due from the database, so a
restart (or a long pause) simply catches up, once. With several instances on
one PostgreSQL, outbox rows are claimed under leases (any instance may send)
and the due-work tick runs only on the instance holding the ``scheduler`` lease.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.core.outbox import Dispatcher
from bot.core.services import Services
from storage import events, leases
from storage import outbox as outbox_store

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
#: APScheduler's scheduler logger (it reports skipped runs there).
APSCHEDULER_LOGGER = "apscheduler.scheduler"


class OverlapIsByDesign(logging.Filter):
    """Hide APScheduler's warning that a run was skipped because one was still running.

    Each job allows one run at a time and coalesces missed runs on purpose: every tick
    re-reads what is due, so a skipped tick loses nothing, and a slow tick (a big
    round, a slow Slack) would otherwise warn on every interval. Shown at DEBUG.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if "maximum number of running instances reached" not in str(record.msg):
            return True
        return logging.getLogger().isEnabledFor(logging.DEBUG)


#: Where a sent message lives is kept this long, for updating it if its pairing changes.
MESSAGE_REF_DAYS = 180


def prune_events(services: Services) -> int:
    """Forget idempotency keys older than any retry Slack would still send, the replay
    keys of slash commands whose signature window has closed, and where long-past
    messages live (their pairings are over)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        return (
            events.prune(session, now - timedelta(days=2))
            + events.prune_replays(session, now)
            + outbox_store.prune_message_refs(session, now - timedelta(days=MESSAGE_REF_DAYS))
        )


class Scheduler:
    def __init__(
        self,
        services: Services,
        dispatcher: Dispatcher,
        tick_seconds: float,
        owner: str | None = None,
    ) -> None:
        self.services = services
        self.dispatcher = dispatcher
        self.tick_seconds = tick_seconds
        self.owner = owner or f"instance-{uuid.uuid4().hex[:12]}"
        self.lease = timedelta(seconds=max(30.0, 3 * tick_seconds))
        grace = max(60, int(tick_seconds * 2))
        aps_logger = logging.getLogger(APSCHEDULER_LOGGER)
        if not any(isinstance(f, OverlapIsByDesign) for f in aps_logger.filters):
            aps_logger.addFilter(OverlapIsByDesign())
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        )
        for job_id, func in (("outbox-dispatch", self.dispatch), ("due-work", self.tick)):
            self._scheduler.add_job(
                func,
                "interval",
                seconds=tick_seconds,
                id=job_id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=grace,
            )

    @property
    def jobs(self) -> list[object]:
        return list(self._scheduler.get_jobs())

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        with self.services.db.transaction() as session:
            leases.release(session, LEASE_NAME, self.owner)

    def dispatch(self) -> int:
        try:
            return self.dispatcher.run_once()
        except Exception:
            log.exception("outbox dispatch failed; will retry next tick")
            return 0

    def is_leader(self) -> bool:
        with self.services.db.transaction() as session:
            return leases.try_acquire(
                session, LEASE_NAME, self.owner, self.services.clock.now(), self.lease
            )

    def tick(self) -> dict[str, object]:
        """Run every due task if this instance holds the lease; returns their results."""
        results: dict[str, object] = {}
        try:
            if not self.is_leader():
                return results
        except Exception:
            log.exception("could not take the scheduler lease")
            return results
        for name, task in self.services.registry.tasks.items():
            try:
                results[name] = task.run(self.services)
            except Exception:
                log.exception("scheduled task %s failed; will retry next tick", name)
        return results
