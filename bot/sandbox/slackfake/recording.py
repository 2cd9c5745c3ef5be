"""The record of every request, and the questions tests ask of it.

Why a mixin of its own: assertions ("was X ever sent?", "what reached Bob?")
are the fake's public face for tests, separate from how requests are served.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from .models import MESSAGE_METHODS, RESPONSE_URL_METHOD, USER_ID, Call, FakeFile
from .state import FakeState


class Recording(FakeState):
    """Read access to recorded calls, files and internal errors."""

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally only those of ``method``."""
        with self._lock:
            if method is None:
                return list(self._calls)
            return [call for call in self._calls if call.method == method]

    def count(self, method: str) -> int:
        with self._lock:
            return sum(1 for call in self._calls if call.method == method)

    def clear_calls(self) -> None:
        """Forget recorded calls but keep messages, views, DMs and scripts."""
        with self._lock:
            self._calls.clear()

    def reset(self) -> None:
        """Back to a fresh workspace: no calls, messages, views, files or scripts.

        Users, channels, tokens and the port are kept.
        """
        with self._lock:
            self._calls.clear()
            self._internal_errors.clear()
            self._reset_state()

    def messages_to(self, channel_or_user: str) -> list[Call]:
        """Successful ``chat.postMessage``/``chat.postEphemeral`` calls reaching a target.

        A user id matches posts to that user, to their DM channel and ephemerals
        shown to them; a DM channel id also matches posts addressed to its user.
        """
        with self._lock:
            targets = {channel_or_user}
            if USER_ID.fullmatch(channel_or_user):
                targets.add(self._dm_id(channel_or_user))
            if channel_or_user in self._im_user:
                targets.add(self._im_user[channel_or_user])
            found = []
            for call in self._calls:
                if call.method not in MESSAGE_METHODS or not call.ok:
                    continue
                hit = call.args.get("channel") in targets or call.response.get("channel") in targets
                if call.method == "chat.postEphemeral" and call.args.get("user") in targets:
                    hit = True
                if hit:
                    found.append(call)
            return found

    def response_url_posts(self, name: str | None = None) -> list[Call]:
        """POSTs received on :meth:`response_url` URLs (optionally one name)."""
        return [
            call for call in self.calls(RESPONSE_URL_METHOD) if name is None or call.target == name
        ]

    def uploaded_files(self) -> list[FakeFile]:
        """Files whose upload was completed with ``files.completeUploadExternal``."""
        with self._lock:
            return list(self._files)

    def payloads_text(self) -> str:
        """Every recorded request as JSON, one per line, for "never sent X" checks.

        The args are decoded (form encoding and JSON-in-form undone), so what a
        test searches for is what Slack would have rendered.
        """
        with self._lock:
            calls = list(self._calls)
        lines = [
            json.dumps(
                {"method": call.method, "target": call.target, "args": call.args},
                ensure_ascii=False,
                sort_keys=True,
                default=repr,
            )
            for call in calls
        ]
        return "\n".join(lines)

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
    ) -> bool:
        """Poll ``predicate`` until true or ``timeout`` (real seconds); return the outcome.

        Why: the bot acts on other threads (scheduler, Bolt listeners), so tests
        wait for the effect instead of sleeping a guessed time.
        """
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def refusals(self, method: str | None = None) -> list[Call]:
        """Calls Slack itself would have refused (invalid blocks, unknown channel...).

        Scripted failures (``fail_next``, ``fail_every``, ``set_error``, rate
        limits) are left out: tests ask for those.  A test that ends with
        ``assert fake.refusals() == []`` proves no refused payload was sent.
        """
        return [call for call in self.calls(method) if call.refused]

    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake; a healthy run leaves this empty."""
        with self._lock:
            return list(self._internal_errors)

    def note_internal_error(self, text: str) -> None:
        """Keep a traceback of a bug in the fake for :meth:`internal_errors`."""
        with self._lock:
            self._internal_errors.append(text)
