"""A dump of every table, to prove a refused request changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.db import Database
from storage.feedback_models import Feedback  # noqa: F401  (registers the tables)
from storage.models import Base
from storage.pairing_models import Pair  # noqa: F401
from storage.prompt_models import PromptEntry  # noqa: F401

#: Tables whose rows record that a request was seen, not what it changed.
BOOKKEEPING = frozenset({"audit_log", "scheduler_lease", "rate_budget"})


def dump(db: Database, *, skip: frozenset[str] = BOOKKEEPING) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (bookkeeping tables left out), in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = session.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out
