"""Journals at rest and the master key.

A database dump alone reveals no reflection: entries are AES-GCM sealed under each
member's data key, bound to (workspace, member, entry id), and the data key is
wrapped by a key derived from ``ALLYBOT_SECRET_KEY``. Forgetting a member deletes
their key (crypto-shredding). The bot refuses to start with another key, or to make
a new one, while sealed rows exist.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select, text

from bot.app import AllyBot, create_app, prepare_database
from bot.capabilities import registry
from bot.core.clock import SystemClock
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.gateway import OfflineGateway
from bot.core.keys import open_keys, read_or_create
from bot.core.services import Actor, Services
from bot.prompts import journal
from storage.models import Member
from storage.privacy_models import MemberKey
from storage.prompt_models import JournalEntry
from tests.support.privacy import cells_holding, reflect
from tests.support.slack_requests import PayloadSender

SECRET = "Zephyrine never gets credited for her ideas"


def test_a_database_dump_reveals_no_reflection(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY01", "join ally")
    reflect(app, slack, "U0ALLY01", SECRET, "VJ1")
    assert SECRET in slack.command("U0ALLY01", "journal").text  # the author reads it
    assert cells_holding(app, SECRET) == []
    assert cells_holding(app, "Zephyrine") == []


def test_a_sealed_entry_moved_to_another_row_does_not_open(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY01", "join ally")
    reflect(app, slack, "U0ALLY01", "first", "VJ1")
    reflect(app, slack, "U0ALLY01", "second", "VJ2")
    with app.services.db.transaction() as s:
        a, b = s.scalars(select(JournalEntry).order_by(JournalEntry.id)).all()
        a.sealed, b.sealed = b.sealed, a.sealed  # a database writer swaps them
    with pytest.raises(InvalidTag):
        app.services.keys  # noqa: B018 (the app's keys are in memory only)
        from bot.core.services import Actor
        from bot.prompts import journal

        journal.page(app.services, Actor(slack.team_id, "U0ALLY01"), 1)


def test_forget_shreds_the_data_key(app: AllyBot, slack: PayloadSender):
    slack.command("U0ALLY01", "join ally")
    reflect(app, slack, "U0ALLY01", SECRET, "VJ1")
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(MemberKey)) == 1
    slack.command("U0ALLY01", "forget confirm")
    with app.services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(MemberKey)) == 0
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert s.scalar(select(Member.id).where(Member.user_id == "U0ALLY01")) is None


def test_another_key_is_refused_while_sealed_rows_exist(
    app: AllyBot, slack: PayloadSender, settings: Settings
):
    slack.command("U0ALLY01", "join ally")
    reflect(app, slack, "U0ALLY01", SECRET, "VJ1")
    with pytest.raises(ConfigError, match="not the key"):
        create_app(replace(settings, secret_key="33" * 32))
    with pytest.raises(ConfigError, match="restore the key"):
        create_app(replace(settings, secret_key=None, secret_key_file="/nonexistent/allybot.key"))


def test_the_key_file_is_created_0600_before_migrating(tmp_path: Path, settings: Settings):
    key_file = tmp_path / "allybot.key"
    fresh = replace(
        settings,
        database_url=f"sqlite:///{tmp_path / 'fresh.db'}",
        secret_key=None,
        secret_key_file=str(key_file),
    )
    keys = prepare_database(fresh)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert read_or_create(fresh, may_create=False).fingerprint == keys.fingerprint
    os.chmod(key_file, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_or_create(fresh, may_create=False)


def test_the_setting_is_validated_in_one_line():
    with pytest.raises(ConfigError, match="ALLYBOT_SECRET_KEY") as info:
        load_settings({"ALLYBOT_SECRET_KEY": "too-short"}, env_file=None)
    assert "\n" not in str(info.value)
    ok = load_settings({"ALLYBOT_SECRET_KEY": "ab" * 32, "ALLYBOT_SECRET_KEY_FILE": "k"}, None)
    assert ok.secret_key == "ab" * 32 and ok.secret_key_file == "k"
    assert "ab" * 32 not in repr(ok)


def test_journals_written_before_encryption_are_sealed_by_the_migration(tmp_path: Path):
    """Upgrade from 0006 with a plaintext journal: 0008 seals it with the master key."""
    from storage import migrate
    from storage.db import Database

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    migrate.upgrade(db, "0006")
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workspace (team_id, created_at) VALUES ('T1', '2026-01-01')")
        )
        conn.execute(
            text(
                "INSERT INTO member (id, team_id, user_id, role, status, tz, tz_offset_seconds,"
                " joined_at) VALUES (1, 'T1', 'U0OLD1', 'ally', 'active', 'UTC', 0, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO journal_entry (id, member_id, prompt_id, prompt_text, text,"
                " created_at) VALUES (1, 1, 'p1', 'A prompt', 'old plaintext words',"
                " '2026-01-02')"
            )
        )
    with pytest.raises(RuntimeError, match="ALLYBOT_SECRET_KEY"):
        migrate.upgrade(db)
    settings = Settings(database_url=url, secret_key="44" * 32)
    prepare_database(settings)
    raw = Path(url.removeprefix("sqlite:///")).read_bytes()
    assert b"old plaintext words" not in raw

    db2 = Database(url)
    services = Services(
        settings, db2, SystemClock(), OfflineGateway(), registry(), open_keys(settings, db2)
    )
    entries, _ = journal.page(services, Actor("T1", "U0OLD1"), 1)
    assert entries[0][1:] == ("A prompt", "old plaintext words")
    db2.dispose()
    db.dispose()
