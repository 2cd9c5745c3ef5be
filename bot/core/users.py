"""Is this a real person in the workspace? ``users.info``, asked once and remembered.

Why: a role or a pairing rule given to an id Slack does not know (a typo, a
deactivated account, a bot, a user of another organisation) is a grant nobody
can see or undo from Slack. Before granting a role or adding a never-pair or
admin rule, the id is checked with ``users.info`` (Tier 4) outside any
transaction, and the answer is kept for a while so a busy admin does not spend
Slack's rate budget on the same person twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.errors import UserError
from bot.core.gateway import PermanentError, SlackError, SlackGateway
from bot.core.text import mention

#: How long a verdict is kept: people are rarely deactivated, so longer for real ones.
REAL_FOR = 600.0
REFUSED_FOR = 60.0
MAX_ENTRIES = 10_000


class NotARealUser(UserError):
    """The id is not a current human member of the workspace; nothing was changed."""


@dataclass
class UserDirectory:
    """A small, thread-safe cache of ``users.info`` verdicts, one per app."""

    clock: Callable[[], float] = time.monotonic
    _verdicts: dict[tuple[str, str], tuple[str | None, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _now(self) -> float:
        return self.clock()

    def require_real(self, gateway: SlackGateway, team_id: str, user_id: str) -> None:
        """Raise :class:`NotARealUser` unless ``user_id`` is a current human member."""
        key = (team_id, user_id)
        now = self._now()
        with self._lock:
            cached = self._verdicts.get(key)
        if cached is not None and cached[1] > now:
            refusal = cached[0]
        else:
            refusal = self._ask(gateway, user_id)
            with self._lock:
                if len(self._verdicts) >= MAX_ENTRIES:
                    self._verdicts.clear()
                self._verdicts[key] = (refusal, now + (REFUSED_FOR if refusal else REAL_FOR))
        if refusal:
            raise NotARealUser(refusal)

    @staticmethod
    def _ask(gateway: SlackGateway, user_id: str) -> str | None:
        who = mention(user_id)
        try:
            info = gateway.call("users.info", {"user": user_id})
        except PermanentError as exc:
            if exc.error in ("user_not_found", "user_not_visible", "invalid_arguments"):
                return f"Slack doesn't know {who} in this workspace, so nothing was changed."
            raise NotARealUser(
                "I couldn't check that person with Slack just now, so nothing was changed. "
                "Please try again in a moment."
            ) from exc
        except SlackError as exc:
            raise NotARealUser(
                "I couldn't check that person with Slack just now, so nothing was changed. "
                "Please try again in a moment."
            ) from exc
        user = info.get("user")
        if not isinstance(user, dict):
            return f"Slack doesn't know {who} in this workspace, so nothing was changed."
        if user.get("deleted"):
            return f"{who}'s account is deactivated, so nothing was changed."
        if user.get("is_bot") or user.get("is_app_user") or user_id == "USLACKBOT":
            return f"{who} is a bot, not a person, so nothing was changed."
        return None
