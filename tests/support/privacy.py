"""Helpers for the adversarial privacy suite: what a database reader would run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text, inspect, select, text

from bot.app import AllyBot
from storage.models import Member
from storage.prompt_models import PromptDelivery
from tests.support.slack_requests import PayloadSender


def reflect(app: AllyBot, slack: PayloadSender, user: str, words: str, view_id: str) -> None:
    """Ask for a prompt and answer it through the real modal."""
    slack.command(user, "reflect")
    with app.services.db.read() as s:
        member_id = s.scalar(select(Member.id).where(Member.user_id == user))
        delivery_id = s.scalar(
            select(PromptDelivery.id)
            .where(PromptDelivery.member_id == member_id)
            .order_by(PromptDelivery.id.desc())
        )
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": user, "team_id": slack.team_id},
        "view": {
            "id": view_id,
            "type": "modal",
            "hash": "h1",
            "callback_id": "reflect_modal",
            "private_metadata": str(delivery_id),
            "state": {
                "values": {"reflection": {"value": {"type": "plain_text_input", "value": words}}}
            },
        },
    }
    assert slack.interaction(payload).status == 200


def cells_holding(app: AllyBot, needle: str) -> list[str]:
    """``table.column`` of every text, JSON or binary cell, in every table, that holds
    ``needle``: the whole schema is reflected, so a new table cannot hide."""
    engine = app.services.db.engine
    found: list[str] = []
    with app.services.db.read() as session:
        for table in inspect(engine).get_table_names():
            for column in inspect(engine).get_columns(table):
                kind = column["type"]
                if not isinstance(kind, String | Text | JSON | LargeBinary) and "JSON" not in str(
                    kind
                ):
                    continue
                name = column["name"]
                rows = session.execute(text(f'SELECT "{name}" FROM "{table}"')).scalars()
                for value in rows:
                    shown = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    if needle in shown:
                        found.append(f"{table}.{name}")
                        break
    return found


def file_bytes(app: AllyBot) -> bytes:
    """The SQLite database file and its ``-wal``, as a copy of the disk would hold them."""
    path = Path(app.services.db.url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    wal = Path(str(path) + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")
