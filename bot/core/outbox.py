"""The one path by which the bot starts a conversation: store first, then send.

A message the bot owes someone is written as an outbox row in the same
transaction as the change that owes it (:func:`send_dm`, :func:`send_group_dm`,
:func:`send_file`, :func:`send_group_file`, :func:`update_message`). The
:class:`Dispatcher` delivers rows later: it leases a batch, paces calls to Slack's rate
tiers, honours ``Retry-After``, retries
transient failures with backoff and marks each row sent. A worker that dies
mid-batch loses nothing: its lease expires and another worker picks the rows up.

Pacing is shared: each method's workspace-wide budget lives in the database
(:mod:`storage.ratebudget`), so two instances together stay inside Slack's tiers.
Leases are short and renewed by a heartbeat while a worker is alive, so a live
worker's rows are never taken from it, and a killed worker's rows are taken over
within :data:`LEASE` (longer than the Slack client's HTTP timeout).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.gateway import PermanentError, RateLimited, SlackGateway, TransientError
from storage import outbox as store
from storage import ratebudget
from storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
#: How long a claim lasts without a heartbeat: longer than one Slack call can take
#: (the client's HTTP timeout is 15 s), short enough that a killed instance's rows
#: are delivered by another within seconds.
LEASE = timedelta(seconds=20)
#: How often a working dispatcher renews the leases of the rows it holds.
HEARTBEAT_SECONDS = 5.0
BATCH = 50
#: Longest pause the dispatcher spends inline to respect a rate; longer waits
#: are handed back to the database as the row's next attempt time.
MAX_INLINE_WAIT = 1.5

#: Minimum seconds between two posts to one channel (Slack: about 1 per second),
#: kept by each instance (two instances rarely write to one channel at once).
PACING: dict[str, float] = {"chat.postMessage": 1.0}
#: Workspace-wide minimum seconds between calls of a method, shared by all instances
#: through the database: Tier 3 (conversations.open, 50 a minute), files (20 a
#: minute), and chat.postMessage's workspace cap (several hundred a minute).
SHARED_PACING: dict[str, float] = {
    "conversations.open": 60 / 50,
    "chat.update": 60 / 50,
    "files_upload_v2": 60 / 20,
    "chat.postMessage": 60 / 300,
}
#: How long an update waits before looking again for a message still being sent.
AWAIT_ORIGINAL = 10.0
#: Workspace-wide floor between any two chat.postMessage calls (several hundred a minute).
POST_MESSAGE_GLOBAL = 60 / 300
#: Spacing a little wider than the tier, so clock jitter between the moment a slot is
#: reserved and the moment the call lands never puts a sliding minute over the limit.
SAFETY = 1.03


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
    ref: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Owe a group DM (opened with ``conversations.open``) to several people.

    With a ``ref``, where the message lands is kept so :func:`update_message` can
    change it later.
    """
    payload = {"text": text, "blocks": list(blocks) if blocks else None}
    row = store.enqueue(
        session,
        team_id=team_id,
        kind="group_dm",
        recipients=sorted(user_ids),
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
        ref=ref,
        not_before=not_before,
    )
    return row is not None


@dataclass(frozen=True)
class Owed:
    """One of many new messages owed at once (:func:`send_many`)."""

    kind: str  # "dm", "group_dm" or "file"
    user_ids: Sequence[str]
    payload: dict[str, Any]
    dedupe_key: str
    ref: str | None = None
    #: Not sent before this moment (a pair's shared working hours).
    not_before: datetime | None = None

    @classmethod
    def message(
        cls,
        kind: str,
        user_ids: Sequence[str],
        text: str,
        blocks: Sequence[dict[str, Any]] | None,
        *,
        dedupe_key: str,
        ref: str | None = None,
        not_before: datetime | None = None,
    ) -> Owed:
        """A DM or group DM of ``text`` and ``blocks``."""
        payload = {"text": text, "blocks": list(blocks) if blocks else None}
        return cls(kind, user_ids, payload, dedupe_key, ref, not_before)


def file_payload(content: bytes, filename: str, title: str, comment: str) -> dict[str, str]:
    """What a ``file`` row carries (files_upload_v2's arguments, the bytes in base64)."""
    return {
        "content_b64": base64.b64encode(content).decode("ascii"),
        "filename": filename,
        "title": title,
        "comment": comment,
    }


def send_many(
    session: Session,
    *,
    team_id: str,
    messages: Sequence[Owed],
    now: datetime,
    hold: str | None = None,
) -> None:
    """Owe many new messages in one statement (a round's introductions, a chunk at a
    time). Their dedupe keys must be new: a clash rolls the caller's transaction back.
    ``hold`` keeps them unsent until :func:`release` (the round is complete)."""
    if hold is not None:
        store.hold(session, hold, now)
    store.enqueue_many(
        session,
        [
            {
                "team_id": team_id,
                "kind": m.kind,
                "recipients": sorted(m.user_ids),
                "payload": dict(m.payload),
                "now": now,
                "not_before": m.not_before,
                "dedupe_key": m.dedupe_key,
                "ref": m.ref,
                "hold": hold,
            }
            for m in messages
        ],
    )


def release(session: Session, hold: str) -> bool:
    """Send the messages held under ``hold`` (they are due from when they were owed)."""
    return store.release(session, hold)


def update_message(
    session: Session,
    *,
    team_id: str,
    ref: str,
    user_ids: Sequence[str],
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
    now: datetime,
    dedupe_key: str | None = None,
) -> bool:
    """Owe a ``chat.update`` of the message sent under ``ref`` (its buttons go with it).

    ``user_ids`` are the people the change is for (forgetting one of them drops the
    row). Delivered like every other send: a message still waiting to be sent is
    updated once it has gone; one that never went out (or is long forgotten) leaves
    nothing to update.
    """
    payload = {"ref": ref, "text": text, "blocks": list(blocks) if blocks else None}
    row = store.enqueue(
        session,
        team_id=team_id,
        kind="update",
        recipients=sorted(user_ids),
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
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
    return send_group_file(
        session,
        team_id=team_id,
        user_ids=[user_id],
        content=content,
        filename=filename,
        title=title,
        comment=comment,
        now=now,
        dedupe_key=dedupe_key,
    )


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
    payload = file_payload(content, filename, title, comment)
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
    """Spaces calls per (method, channel) within this process (see :data:`PACING`)."""

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
            return max(0.0, *waits)

    def record(self, method: str, channel: str, now: float) -> None:
        with self._lock:
            gap = PACING.get(method, 0.0)
            if gap:
                self._next[(method, channel)] = now + gap

    def pause(self, method: str, until: float) -> None:
        with self._lock:
            self._paused_until[method] = max(self._paused_until.get(method, 0.0), until)


@dataclass
class _Job:
    id: int
    team_id: str
    kind: str
    recipients: list[str]
    payload: dict[str, Any]
    channel_id: str | None
    attempts: int
    ref: str | None


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
        tiers: Mapping[str, float] | None = None,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        """``tiers`` overrides :data:`SHARED_PACING` (a benchmark's faster fake tiers)."""
        self.db = db
        self.gateway = gateway
        self.clock = clock
        self.sleep = sleep
        self.owner = owner or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.pacer = Pacer()
        self.tiers = dict(SHARED_PACING if tiers is None else tiers)
        self.heartbeat_seconds = heartbeat_seconds
        self._run_lock = threading.Lock()

    def run_once(self, limit: int = BATCH) -> int:
        """Deliver what is due now; returns how many rows were sent."""
        if not self._run_lock.acquire(blocking=False):
            return 0  # a previous pass in this process is still working
        done = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(done,), name="outbox-heartbeat", daemon=True
        )
        beat.start()
        try:
            return self._run(limit)
        finally:
            done.set()
            beat.join()
            self._run_lock.release()

    def _heartbeat(self, done: threading.Event) -> None:
        """Renew the leases of the rows this pass holds until it ends."""
        while not done.wait(self.heartbeat_seconds):
            try:
                with self.db.transaction() as session:
                    store.renew_leases(session, self.owner, self.clock.now() + LEASE)
            except Exception:
                log.warning("could not renew outbox leases; will try again", exc_info=True)

    def _run(self, limit: int) -> int:
        now = self.clock.now()
        with self.db.transaction() as session:
            rows = store.claim_due(session, owner=self.owner, now=now, lease=LEASE, limit=limit)
            jobs = [
                _Job(
                    r.id,
                    r.team_id,
                    r.kind,
                    r.recipients.split(",") if r.recipients else [],
                    r.payload,
                    r.channel_id,
                    r.attempts,
                    r.ref,
                )
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
                now = self.clock.now()
                marked = store.mark_sent(session, job.id, self.owner, now, channel, ts)
                if marked and job.ref and job.kind != "update" and channel and ts:
                    store.remember_message(session, job.ref, job.team_id, channel, str(ts), now)
            sent += 1
        return sent

    def _pace(self, method: str, channel: str) -> None:
        wait = self.pacer.wait_needed(method, channel, self._ts())
        if wait > MAX_INLINE_WAIT:
            raise _Deferred(method, wait)
        gap = self.tiers.get(method)
        if gap:
            with self.db.transaction() as session:
                reserved, shared = ratebudget.reserve(
                    session,
                    method,
                    self.clock.now(),
                    timedelta(seconds=gap * SAFETY),
                    timedelta(seconds=MAX_INLINE_WAIT),
                )
            if not reserved:
                raise _Deferred(method, shared)
            wait = max(wait, shared)
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
            if method in self.tiers:
                until = self.clock.now() + timedelta(seconds=exc.retry_after)
                with self.db.transaction() as session:
                    ratebudget.push_back(session, method, until)
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

    def _update(self, job: _Job) -> tuple[str | None, str | None]:
        """``chat.update`` the message named by the row's ref, once it has been sent."""
        ref = str(job.payload.get("ref") or "")
        with self.db.read() as session:
            where = store.message_ref(session, ref)
            target = (where.channel_id, where.message_ts) if where else None
            waiting = target is None and store.pending_with_ref(session, ref) is not None
        if waiting:
            raise _Deferred("awaiting the original message", AWAIT_ORIGINAL)
        if target is None:
            log.info("outbox %s: the message to update was never sent; nothing to do", job.id)
            return None, None
        channel, ts = target
        params: dict[str, Any] = {"channel": channel, "ts": ts, "text": job.payload["text"]}
        params["blocks"] = job.payload.get("blocks") or []
        self._call("chat.update", "*", params)
        return channel, ts

    def _deliver(self, job: _Job) -> tuple[str | None, str | None]:
        if job.kind == "update":
            return self._update(job)
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
