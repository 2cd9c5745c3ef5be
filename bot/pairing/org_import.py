"""``allybot import-org FILE.csv``: departments and managers, nothing demographic.

Only the columns ``user_id``, ``department`` and ``manager_id`` are accepted; a
file with any other column is refused whole, so no sensitive field is ever stored
by accident.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.core.errors import UserError
from bot.core.services import Services
from bot.core.text import clean
from storage import pairing as store

COLUMNS = ("user_id", "department", "manager_id")


class OrgImportError(UserError):
    """The file was refused; nothing was imported."""


@dataclass(frozen=True)
class Row:
    user_id: str
    department: str | None
    manager_id: str | None


def _is_user_id(value: str) -> bool:
    return value.isalnum() and value[:1] in ("U", "W") and 3 <= len(value) <= 32


def parse(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    unexpected = [h for h in header if h not in COLUMNS]
    if "user_id" not in header or unexpected:
        raise OrgImportError(
            "The CSV must have the columns user_id, department, manager_id and no others"
            + (f" (found unexpected: {', '.join(unexpected)})" if unexpected else "")
            + "."
        )
    rows: list[Row] = []
    for line, raw in enumerate(reader, start=2):
        record = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        user = record.get("user_id", "")
        manager = record.get("manager_id") or None
        if not _is_user_id(user) or (manager is not None and not _is_user_id(manager)):
            raise OrgImportError(f"Line {line}: user_id and manager_id must be Slack user ids.")
        rows.append(Row(user, clean(record.get("department", ""), 128) or None, manager))
    return rows


def import_rows(services: Services, team_id: str, rows: list[Row]) -> int:
    with services.db.transaction() as session:
        for row in rows:
            store.upsert_org_profile(session, team_id, row.user_id, row.department, row.manager_id)
    return len(rows)
