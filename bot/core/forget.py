"""Forgetting a person: every feature says how to erase what it holds about them.

``/ally forget`` runs every registered :data:`Forgetter` in one transaction, so a
person's data goes all at once or not at all. A forgetter deletes personal data
(or, for figures already reported to leads in aggregate, unlinks it from the
person so closed summaries do not change and cannot be differenced).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

#: (session, team_id, user_id) -> number of rows erased or unlinked.
Forgetter = Callable[[Session, str, str], int]

FORGETTERS: dict[str, Forgetter] = {}


def register(name: str, forgetter: Forgetter) -> None:
    FORGETTERS[name] = forgetter
