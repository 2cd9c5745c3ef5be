"""The one-per-category rule under concurrency: a double click or a racing retry of the
same form stores one item and answers normally; a second form from the same person in
the same category is refused, however the deliveries interleave."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.app import AllyBot
from storage.feedback_models import FeedbackStaging
from tests.journeys.test_feedback import submission
from tests.support.slack_requests import PayloadSender


def test_racing_deliveries_store_one_item_and_never_fail(app: AllyBot, slack: PayloadSender):
    results: list[tuple[int, str]] = []

    def deliver(view_id: str) -> None:
        reply = slack.interaction(submission("U0COLL01", slack.team_id, "same words", view_id))
        results.append((reply.status, reply.json().get("response_action", "")))

    threads = [threading.Thread(target=deliver, args=(f"V{i % 2}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(status == 200 for status, _ in results)
    # Two different forms (V0, V1) raced: one is stored, the other refused with a reason.
    assert {action for _, action in results} <= {"update", "errors"}
    assert "update" in {action for _, action in results}
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(FeedbackStaging)) == 1
