"""The assembled sandbox: the Slack fake, the real app, the cast and the clock.

Why it drives the scheduler itself: the sandbox's clock jumps ("+1 week"), and a
jump must run due work in order, hour by hour, with the outbox delivered after
each step, never interleaved with a periodic tick. So instead of starting
APScheduler's timer it calls the app's own :class:`~bot.core.scheduler.Scheduler`
(``tick``) and :class:`~bot.core.outbox.Dispatcher` (``run_once``) from one
driver thread, under one lock, every few seconds and at each step of a jump.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.app import AllyBot, create_app, prepare_database
from bot.core.calendar import latest_slot
from bot.core.config import Settings
from bot.sandbox import cast
from bot.sandbox.clock import SandboxClock
from bot.sandbox.files import SandboxFiles
from bot.sandbox.signer import Answer, Signer
from bot.sandbox.slackfake import SlackFake
from bot.sandbox.workspace import ResponseTarget, Workspace
from bot.server import HttpServer
from storage import outbox as outbox_store
from storage import pairing as pairing_store

log = logging.getLogger(__name__)

#: The fake accepts only this token; it is not a Slack token and reaches nothing.
TOKEN = "xoxb-sandbox-0000-not-a-real-token"  # noqa: S105 -- a fixture value
APP_ID = "A0SANDBOX"
STATE_VERSION = 1
#: Real seconds between the driver's passes (outbox) and scheduler ticks.
DRIVE_SECONDS = 0.5
TICK_SECONDS = 5.0
SAVE_SECONDS = 2.0
#: A clock jump runs due work at every step: an hour, or for long jumps at most
#: this many steps (a tick costs tens of milliseconds of database work).
STEP = timedelta(hours=1)
MAX_STEPS = 48
#: Outbox rows due this soon (paced, or waiting out a rate limit) are waited for on
#: the sandbox clock at once rather than in real time.
CATCH_UP_SECONDS = 60.0
#: Slack's published tiers, per minute, enforced by the fake on the sandbox clock.
RATE_LIMITS = {
    "chat.postMessage": 300,
    "chat.postEphemeral": 100,
    "chat.update": 50,
    "conversations.open": 50,
    "users.info": 100,
    "views.open": 100,
    "views.publish": 100,
    "views.push": 100,
    "views.update": 100,
    "files.getUploadURLExternal": 100,
    "files.completeUploadExternal": 100,
}
#: What the seeded admin sets up: weekly rounds on Tuesday morning in London, a
#: two-working-day check-in, and the smallest anonymity threshold allowed, so a
#: small cast shows figures.
PROGRAMME = (
    "admin programme set default cadence=weekly weekday=tuesday time=10:00 "
    "tz=Europe/London checkin-delay=2 threshold=3"
)


class SeedError(RuntimeError):
    """Seeding the cast failed; the message says which step."""


class Sandbox:
    """Start, drive and stop the real allybot against the fake, for the web page."""

    def __init__(self, files: SandboxFiles, *, log_level: str = "WARNING") -> None:
        self.files = files
        self.log_level = log_level
        state = files.load_state()
        offset = state.get("clock_offset", 0.0)
        self.clock = SandboxClock(float(offset) if isinstance(offset, int | float) else 0.0)
        self._state = state
        self.fake = SlackFake(
            tokens=[TOKEN],
            users=cast.fake_users(),
            strict=True,
            clock=self.clock.timestamp,
            wall_clock=self.clock.timestamp,
            team_id=cast.TEAM_ID,
            team_name=cast.TEAM_NAME,
            bot_user_id=cast.BOT_USER_ID,
            app_id=APP_ID,
        )
        for method, per_minute in RATE_LIMITS.items():
            self.fake.set_rate_limit(method, per_minute, 60.0)
        for channel_id in cast.CHANNELS:
            self.fake.add_channel(channel_id, members=list(cast.CHANNEL_MEMBERS))
        self.workspace = Workspace(self.fake, [p.id for p in cast.CAST], self.clock.timestamp)
        self._drive_lock = threading.Lock()
        self._stopping = threading.Event()
        self._driver: threading.Thread | None = None
        self._http: HttpServer | None = None
        self.bot: AllyBot | None = None
        self.signer: Signer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Migrate, start the fake and the app, seed a fresh workspace, start driving."""
        secret = self.files.secret()
        fresh = not self._state.get("seeded")
        if fresh and self.files.exists:
            # A database without our state file is not one we can vouch for.
            self.files.reset()
            secret = self.files.secret()
        self.fake.start()
        settings = Settings(
            slack_bot_token=TOKEN,
            slack_signing_secret=secret,
            slack_api_url=self.fake.base_url,
            database_url=self.files.database_url,
            port=0,
            host="127.0.0.1",
            admins=cast.ADMINS,
            log_level=self.log_level,
            tick_seconds=TICK_SECONDS,
            secret_key_file=str(self.files.master_key_path),
        )
        prepare_database(settings)
        self.bot = create_app(
            settings, clock=self.clock, sleep=self.clock.sleep, instance="sandbox"
        )
        self._http = self.bot.serve_http("127.0.0.1", 0)
        app_url = f"http://127.0.0.1:{self._http.server_port}"
        self.signer = Signer(app_url, secret, cast.TEAM_ID, APP_ID)
        workspace_state = self._state.get("workspace")
        if isinstance(workspace_state, dict):
            self.workspace.load_state(workspace_state)
        if fresh:
            self._seed()
            self._state["seeded"] = True
        self.save()
        self._driver = threading.Thread(target=self._drive, name="sandbox-driver", daemon=True)
        self._driver.start()

    def stop(self) -> None:
        """Stop driving, save, and shut the app and the fake down."""
        self._stopping.set()
        if self._driver is not None:
            self._driver.join(timeout=30)
        with self._drive_lock:
            if self.bot is not None:
                self.workspace.sync()
                self.save()
            if self._http is not None:
                self._http.shutdown()
                self._http.server_close()
            if self.bot is not None:
                self.bot.close()
            self.fake.stop()

    def save(self) -> None:
        """Persist the clock offset and what people see, atomically."""
        self._state["version"] = STATE_VERSION
        self._state["clock_offset"] = self.clock.offset
        self._state["workspace"] = self.workspace.to_state()
        self.files.save_state(self._state)

    @property
    def app(self) -> AllyBot:
        if self.bot is None:
            raise RuntimeError("the sandbox is not started")
        return self.bot

    @property
    def sender(self) -> Signer:
        if self.signer is None:
            raise RuntimeError("the sandbox is not started")
        return self.signer

    # -------------------------------------------------------------------- seeding

    def _seed(self) -> None:
        """Join the cast through real signed commands; import the org chart via the CLI verb."""
        for person in cast.CAST:
            if person.joins_as:
                self._seed_command(person.id, f"join {person.joins_as}", "Welcome")
        for lead in cast.LEADS:
            self._seed_command(cast.ADA, f"admin add-lead <@{lead}>", "")
        self._seed_command(cast.ADA, PROGRAMME, "Updated")
        path = self.files.directory / "sandbox-org.csv"
        path.write_text(cast.org_csv(), encoding="utf-8")
        try:
            verb = self.app.services.registry.cli_verbs["import-org"]
            with contextlib.redirect_stdout(io.StringIO()):
                verb.run(self.app.services, argparse.Namespace(file=path, team=cast.TEAM_ID))
        finally:
            path.unlink(missing_ok=True)

    def _seed_command(self, user_id: str, text: str, expect: str) -> None:
        answer = self.command(user_id, text, record=False)
        if answer.status != 200 or expect not in answer.body:
            raise SeedError(f"seeding '/ally {text}' failed: HTTP {answer.status} {answer.body}")

    # ---------------------------------------------------------------- as people

    def command(
        self,
        user_id: str,
        text: str,
        *,
        conversation_id: str | None = None,
        record: bool = True,
        command: str = "/ally",
    ) -> Answer:
        """``/ally text`` typed by ``user_id`` in a conversation; the reply is shown there."""
        conversation = (
            self.workspace.conversation_for(user_id, conversation_id) if conversation_id else None
        )
        conversation = conversation or self.workspace.dm(user_id)
        person = cast.BY_ID[user_id]
        trigger = self.workspace.new_trigger(user_id, Signer.trigger_id())
        response_url = self.workspace.new_response_url(
            ResponseTarget(user_id, conversation.id, None)
        )
        answer = self.sender.command(
            user_id,
            person.handle,
            text,
            channel_id=conversation.id,
            response_url=response_url,
            trigger_id=trigger,
            command=command,
        )
        if record:
            reply = answer.json()
            if answer.status != 200:
                self.workspace.add_ephemeral(
                    user_id,
                    conversation.id,
                    f"{command} failed with the following error: HTTP {answer.status}",
                    [],
                )
            elif reply.get("text") or reply.get("blocks"):
                blocks = reply.get("blocks")
                message = self.workspace.add_ephemeral(
                    user_id,
                    conversation.id,
                    str(reply.get("text") or ""),
                    blocks if isinstance(blocks, list) else [],
                )
                if message is not None and reply.get("response_type") == "in_channel":
                    message.ephemeral_for = None
        return answer

    def interact(self, payload: dict[str, Any]) -> Answer:
        """Post an interaction payload (built by :mod:`bot.sandbox.interactions`)."""
        return self.sender.interaction(payload)

    def open_home(self, user_id: str) -> None:
        """The person opened the Home tab: Slack sends ``app_home_opened``."""
        self.sender.event(
            {
                "type": "app_home_opened",
                "user": user_id,
                "channel": self.workspace.dm(user_id).id,
                "tab": "home",
                "event_ts": f"{self.clock.timestamp():.6f}",
            }
        )

    def settle(self, seconds: float = 3.0, quiet: float = 0.3) -> None:
        """Wait until the app has stopped calling the fake (its listeners run after the ack)."""
        deadline = time.monotonic() + seconds
        seen = len(self.fake.calls())
        calm_since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            count = len(self.fake.calls())
            if count != seen:
                seen, calm_since = count, time.monotonic()
            elif time.monotonic() - calm_since >= quiet:
                break
        self.workspace.sync()

    # ---------------------------------------------------------------------- clock

    def next_round_at(self) -> datetime | None:
        """When the next scheduled round of any programme is due."""
        now = self.clock.now()
        with self.app.services.db.read() as session:
            programmes = list(pairing_store.programmes(session, cast.TEAM_ID))
        slots = []
        for p in programmes:
            later = now + timedelta(weeks=p.cadence_weeks)
            slot = latest_slot(later, p.tz, p.weekday, p.local_time, p.cadence_weeks)
            if slot > now:
                slots.append(slot)
        return min(slots, default=None)

    def advance(self, delta: timedelta, progress: Callable[[datetime], None] | None = None) -> None:
        """Move the clock by ``delta``, running due work and the outbox at every step."""
        if delta <= timedelta(0):
            raise ValueError("the clock only moves forward")
        step = max(STEP, delta / MAX_STEPS)
        with self._drive_lock:
            target = self.clock.now() + delta
            # Saved first: if the process dies mid-jump it restarts at or after the
            # jump, never behind what the database already holds.
            self._state["clock_offset"] = self.clock.offset + delta.total_seconds()
            self.files.save_state(self._state)
            while True:
                remaining = target - self.clock.now()
                if remaining <= timedelta(0):
                    break
                self.clock.advance(min(step, remaining))
                self.app.scheduler.tick()
                self._drain()
                if progress is not None:
                    progress(self.clock.now())
        self.workspace.sync()
        self.workspace.touch_all()
        self.save()

    def _drain(self) -> int:
        """Deliver what is due; wait (on the sandbox clock) for what is due shortly."""
        sent = 0
        for _ in range(500):
            done = self.app.dispatcher.run_once()
            sent += done
            if done:
                continue
            with self.app.services.db.read() as session:
                due = outbox_store.next_due_at(session)
            if due is None:
                break
            wait = (due - self.clock.now()).total_seconds()
            if wait > CATCH_UP_SECONDS:
                break
            self.clock.advance(max(wait, 0.0) + 0.001)
        return sent

    def _drive(self) -> None:
        """Every half second deliver the outbox, every few seconds run due work, and
        save what changed (at most every couple of seconds: the state holds charts)."""
        last_tick = 0.0
        last_save = time.monotonic()
        unsaved = False
        while not self._stopping.wait(DRIVE_SECONDS):
            try:
                with self._drive_lock:
                    if time.monotonic() - last_tick >= TICK_SECONDS:
                        self.app.scheduler.tick()
                        last_tick = time.monotonic()
                    self._drain()
                unsaved = bool(self.workspace.sync()) or unsaved
                if unsaved and time.monotonic() - last_save >= SAVE_SECONDS:
                    self.save()
                    last_save, unsaved = time.monotonic(), False
            except Exception:
                log.exception("sandbox driver pass failed; trying again")
