"""Fuzzed feedback and concern forms: a friendly refusal that changes nothing, or a
stored item whose confirmation matches what was saved; never an exception."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import AllyBot
from bot.core.errors import UserError
from bot.core.services import Actor
from bot.feedback import anonymous
from storage.feedback_models import FeedbackStaging

_users = (f"U0FUZZ{i:04d}" for i in itertools.count())

values = st.fixed_dictionaries(
    {},
    optional={
        "category": st.one_of(
            st.sampled_from(["working", "idea", "concern", "performative"]), st.text(max_size=20)
        ),
        "rating": st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["0", "3", "6"])),
        "text": st.one_of(st.none(), st.text(max_size=4000)),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=values, wants_reply=st.booleans())
def test_fuzzed_feedback_is_refused_cleanly_or_stored_exactly(
    app: AllyBot, form: dict, wants_reply: bool
) -> None:
    services = app.services
    with services.db.read() as s:
        before = s.scalar(select(func.count()).select_from(FeedbackStaging))
    user = next(_users)
    try:
        stored = anonymous.submit(
            services, Actor("T0FUZZ", user), form, f"view:{user}", wants_reply
        )
    except UserError as refusal:  # FeedbackError, or InvalidInput from the parser
        assert str(refusal)
        with services.db.read() as s:
            assert s.scalar(select(func.count()).select_from(FeedbackStaging)) == before
        return
    assert stored is not None
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(FeedbackStaging)) == before + 1
        rows = s.scalars(select(FeedbackStaging).where(FeedbackStaging.body == stored.text)).all()
    assert any(
        (r.category, r.rating, r.reply_token_hash is not None)
        == (stored.category, stored.rating, wants_reply)
        for r in rows
    )
    assert wants_reply == bool(stored.token)
    assert 1 <= len(stored.text) <= anonymous.MAX_CHARS
