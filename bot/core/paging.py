"""Walking Slack's paginated lists one page per scheduler tick, paced to their tier.

``users.list`` (Tier 2, 20+ a minute) and ``conversations.members`` (Tier 4) hand
back a cursor per page. A sweep (:class:`~storage.lifecycle_models.SlackSweep`)
keeps that cursor and the earliest moment of its next call in the database, so:

* a tick fetches at most one page per sweep, and never before ``next_call_at``,
  which is set a tier's spacing (:data:`SPACING`) after each call:
  however often the scheduler ticks, calls stay inside the tier;
* ``Retry-After`` moves ``next_call_at`` on, a transient failure retries a minute
  later, and Slack refusing the call ends the sweep as ``failed``;
* a restart (or another instance taking over the scheduler) resumes from the
  stored cursor. Processing a page is idempotent, so a page fetched twice after a
  crash does no harm.

Callers fetch with :func:`fetch`, then handle the items and call :func:`advance`
in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.gateway import PermanentError, RateLimited, TransientError
from bot.core.outbox import SAFETY
from bot.core.services import Services
from storage import channels as store
from storage.lifecycle_models import SlackSweep

log = logging.getLogger(__name__)

PAGE_SIZE = 200
#: Seconds between two pages of one sweep: Tier 2 (20 a minute) and Tier 4 (100 a
#: minute), a little wider so a sliding minute never goes over.
SPACING = {"users.list": 60 / 20 * SAFETY, "conversations.members": 60 / 100 * SAFETY}
TRANSIENT_RETRY = timedelta(minutes=1)


@dataclass(frozen=True)
class Page:
    """One page of a Slack list: its items (as Slack sent them) and the next cursor."""

    items: list[Any]
    next_cursor: str | None


def fetch(
    services: Services, sweep_id: int, method: str, params: Mapping[str, Any], key: str
) -> Page | None:
    """The sweep's next page, or None when it is not due, rate limited, or failed.

    ``key`` names the list in Slack's answer (``members`` for both methods).
    """
    now = services.clock.now()
    with services.db.read() as session:
        sweep = store.sweep(session, sweep_id)
        if sweep is None or sweep.stage not in store.ACTIVE_STAGES or sweep.next_call_at > now:
            return None
        cursor = sweep.cursor
    args: dict[str, Any] = {"limit": PAGE_SIZE, **params}
    if cursor:
        args["cursor"] = cursor
    try:
        answer = services.gateway.call(method, args)
    except RateLimited as exc:
        _later(services, sweep_id, now + timedelta(seconds=exc.retry_after))
        return None
    except TransientError as exc:
        log.warning("%s failed for now (%s); retrying in a minute", method, exc)
        _later(services, sweep_id, now + TRANSIENT_RETRY)
        return None
    except PermanentError as exc:
        log.warning("%s refused: %s", method, exc.error)
        with services.db.transaction() as session:
            row = store.sweep(session, sweep_id)
            if row is not None:
                fail(row, now, exc.error)
        return None
    items = answer.get(key)
    meta = answer.get("response_metadata")
    next_cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
    return Page(
        items if isinstance(items, list) else [],
        next_cursor if isinstance(next_cursor, str) and next_cursor else None,
    )


def advance(session: Session, sweep: SlackSweep, page: Page, method: str, now: datetime) -> bool:
    """Record a handled page; True when it was the last one (the cursor is cleared)."""
    sweep.pages += 1
    sweep.cursor = page.next_cursor
    sweep.next_call_at = now + timedelta(seconds=SPACING.get(method, 1.0))
    return page.next_cursor is None


def fail(sweep: SlackSweep, now: datetime, error: str) -> None:
    sweep.stage, sweep.finished_at = "failed", now
    sweep.detail = {**(sweep.detail or {}), "error": error[:64]}


def _later(services: Services, sweep_id: int, at: datetime) -> None:
    with services.db.transaction() as session:
        row = store.sweep(session, sweep_id)
        if row is not None:
            row.next_call_at = max(row.next_call_at, at)
