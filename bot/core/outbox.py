"""The one path by which the bot starts a conversation: store first, then send.

A message the bot owes someone is written as an outbox row in the same
transaction as the change that owes it (:func:`send_dm`, :func:`send_group_dm`,
:func:`send_file`, :func:`send_group_file`). The :class:`Dispatcher` delivers rows
later: it leases a batch, paces calls to Slack's rate tiers, honours ``Retry-After``, retries
transient failures with backoff and marks each row sent. A worker that dies
mid-batch loses nothing: its lease expires and another worker picks the rows up.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.gateway import PermanentError, RateLimited, SlackGateway, TransientError
from storage import outbox as store
from storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=2)
BATCH = 50
#: Longest pause the dispatcher spends inline to respect a rate; longer waits
#: are handed back to the database as the row's next attempt time.
MAX_INLINE_WAIT = 1.5

#: Minimum seconds between calls of a method (per channel for chat.postMessage),
#: from Slack's published tiers: postMessage ~1/s per channel, Tier 3 50+/min,
#: Tier 4 100+/min.
PACING: dict[str, float] = {
    "chat.postMessage": 1.0,
    "conversations.open": 60 / 50,
    "files_upload_v2": 60 / 20,
    # Paged reads (member lists), paced by their sweeps: Tier 2 and Tier 4.
    "users.list": 60 / 20,
    "conversations.members": 60 / 100,
}
#: Workspace-wide floor between any two chat.postMessage calls (several hundred a minute).
POST_MESSAGE_GLOBAL = 60 / 300


def send_dm(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
    now: datetime,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Owe ``user_id`` a direct message. False when ``dedupe_key`` was already owed."""
    payload = {"text": text, "blocks": list(blocks) if blocks else None}
    row = store.enqueue(
        session,
        team_id=team_id,
        kind="dm",
        recipients=[user_id],
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )
    return row is not None


def send_group_dm(
    session: Session,
    *,
    team_id: str,
    user_ids: Sequence[str],
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
    now: datetime,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Owe a group DM (opened with ``conversations.open``) to several people."""
    payload = {"text": text, "blocks": list(blocks) if blocks else None}
    row = store.enqueue(
        session,
        team_id=team_id,
        kind="group_dm",
        recipients=sorted(user_ids),
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )
    return row is not None


def send_file(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    content: bytes,
    filename: str,
    title: str,
    comment: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> bool:
    """Owe ``user_id`` a file in their DM with the bot (files_upload_v2)."""
    payload = {
        "content_b64": base64.b64encode(content).decode("ascii"),
        "filename": filename,
        "title": title,
        "comment": comment,
    }
    row = store.enqueue(
        session,
        team_id=team_id,
        kind="file",
        recipients=[user_id],
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
    )
    return row is not None


def send_group_file(
    session: Session,
    *,
    team_id: str,
    user_ids: Sequence[str],
    content: bytes,
    filename: str,
    title: str,
    comment: str,
    now: datetime,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Owe several people a file in their group DM (opened like :func:`send_group_dm`)."""
    payload = {
        "content_b64": base64.b64encode(content).decode("ascii"),
        "filename": filename,
        "title": title,
        "comment": comment,
    }
    row = store.enqueue(
        session,
        team_id=team_id,
        kind="file",
        recipients=sorted(user_ids),
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )
    return row is not None


class Pacer:
    """Spaces calls per (method, channel) so bursts stay inside Slack's tiers."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], float] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_needed(self, method: str, channel: str, now: float) -> float:
        with self._lock:
            waits = [
                self._paused_until.get(method, 0.0) - now,
                self._next.get((method, channel), 0.0) - now,
            ]
            if method == "chat.postMessage":
                waits.append(self._next.get((method, "*"), 0.0) - now)
            return max(0.0, *waits)

    def record(self, method: str, channel: str, now: float) -> None:
        with self._lock:
            gap = PACING.get(method, 0.0)
            self._next[(method, channel)] = now + gap
            if method == "chat.postMessage":
                self._next[(method, "*")] = now + POST_MESSAGE_GLOBAL

    def pause(self, method: str, until: float) -> None:
        with self._lock:
            self._paused_until[method] = max(self._paused_until.get(method, 0.0), until)


@dataclass
class _Job:
    id: int
    kind: str
    recipients: list[str]
    payload: dict[str, Any]
    channel_id: str | None
    attempts: int


class _Deferred(Exception):
    def __init__(self, method: str, wait: float) -> None:
        self.method = method
        self.wait = wait


class Dispatcher:
    """Delivers outbox rows; several may run at once, on one or many instances."""

    def __init__(
        self,
        db: Database,
        gateway: SlackGateway,
        clock: Clock,
        *,
        sleep: Callable[[float], None] = time.sleep,
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.gateway = gateway
        self.clock = clock
        self.sleep = sleep
        self.owner = owner or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.pacer = Pacer()
        self._run_lock = threading.Lock()

    def run_once(self, limit: int = BATCH) -> int:
        """Deliver what is due now; returns how many rows were sent."""
        if not self._run_lock.acquire(blocking=False):
            return 0  # a previous pass in this process is still working
        try:
            return self._run(limit)
        finally:
            self._run_lock.release()

    def _run(self, limit: int) -> int:
        now = self.clock.now()
        with self.db.transaction() as session:
            rows = store.claim_due(session, owner=self.owner, now=now, lease=LEASE, limit=limit)
            jobs = [
                _Job(r.id, r.kind, r.recipients.split(","), r.payload, r.channel_id, r.attempts)
                for r in rows
            ]
        sent = 0
        for index, job in enumerate(jobs):
            try:
                channel, ts = self._deliver(job)
            except RateLimited as exc:
                until = self.clock.now() + timedelta(seconds=exc.retry_after)
                log.warning("outbox %s rate limited; retrying after %ss", job.id, exc.retry_after)
                self._reschedule(job, until, "ratelimited", count_attempt=False)
                self._release(jobs[index + 1 :], until)
                break
            except _Deferred as exc:
                until = self.clock.now() + timedelta(seconds=exc.wait)
                self._reschedule(job, until, f"paced {exc.method}", count_attempt=False)
                continue
            except TransientError as exc:
                self._retry_or_fail(job, str(exc))
                continue
            except PermanentError as exc:
                log.warning("outbox %s refused by Slack: %s", job.id, exc.error)
                with self.db.transaction() as session:
                    store.mark_failed(session, job.id, self.owner, self.clock.now(), exc.error)
                continue
            with self.db.transaction() as session:
                store.mark_sent(session, job.id, self.owner, self.clock.now(), channel, ts)
            sent += 1
        return sent

    def _pace(self, method: str, channel: str) -> None:
        wait = self.pacer.wait_needed(method, channel, self._ts())
        if wait > MAX_INLINE_WAIT:
            raise _Deferred(method, wait)
        if wait > 0:
            self.sleep(wait)
        self.pacer.record(method, channel, self._ts())

    def _ts(self) -> float:
        return self.clock.now().timestamp()

    def _call(self, method: str, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        self._pace(method, channel)
        try:
            return self.gateway.call(method, params)
        except RateLimited as exc:
            self.pacer.pause(method, self._ts() + exc.retry_after)
            raise

    def _open(self, job: _Job) -> str:
        if job.channel_id:
            return job.channel_id
        opened = self._call("conversations.open", "*", {"users": ",".join(job.recipients)})
        channel = str(opened["channel"]["id"])
        with self.db.transaction() as session:
            store.remember_channel(session, job.id, self.owner, channel)
        job.channel_id = channel
        return channel

    def _deliver(self, job: _Job) -> tuple[str | None, str | None]:
        if job.kind == "file":
            channel = self._open(job)
            self._pace("files_upload_v2", channel)
            p = job.payload
            self.gateway.upload_file(
                channel=channel,
                content=base64.b64decode(p["content_b64"]),
                filename=p["filename"],
                title=p["title"],
                initial_comment=p["comment"],
            )
            return channel, None
        channel = self._open(job) if job.kind == "group_dm" else job.recipients[0]
        params: dict[str, Any] = {"channel": channel, "text": job.payload["text"]}
        if job.payload.get("blocks"):
            params["blocks"] = job.payload["blocks"]
        response = self._call("chat.postMessage", channel, params)
        return str(response.get("channel") or channel), response.get("ts")

    def _reschedule(self, job: _Job, at: datetime, error: str, *, count_attempt: bool) -> None:
        with self.db.transaction() as session:
            store.reschedule(session, job.id, self.owner, at, error, count_attempt=count_attempt)

    def _release(self, jobs: Sequence[_Job], at: datetime) -> None:
        for job in jobs:
            self._reschedule(job, at, "waiting out a rate limit", count_attempt=False)

    def _retry_or_fail(self, job: _Job, error: str) -> None:
        if job.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "outbox %s failed for good after %s attempts: %s", job.id, MAX_ATTEMPTS, error
            )
            with self.db.transaction() as session:
                store.mark_failed(session, job.id, self.owner, self.clock.now(), error)
            return
        backoff = min(15 * 60, 5 * 2**job.attempts)
        log.warning("outbox %s transient failure (%s); retry in %ss", job.id, error, backoff)
        self._reschedule(
            job, self.clock.now() + timedelta(seconds=backoff), error, count_attempt=True
        )
