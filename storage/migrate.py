"""Schema changes through Alembic, driven from code so no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "heads", *, master_key: bytes | None = None) -> None:
    """Bring the schema up to ``revision`` (idempotent; safe on every start).

    Features add migrations on branches from the foundation revision, so the
    default target is every head. ``master_key`` is needed only by a migration that
    encrypts existing rows (0008 seals journals written before encryption).
    """
    cfg = alembic_config(db)
    cfg.attributes["master_key"] = master_key
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # Alembic manages its own transaction; our BEGIN IMMEDIATE hook
            # already serialises concurrent upgrades on SQLite.
            pass
        else:
            # Several instances may start together: one migrates, the others wait.
            conn.exec_driver_sql("SELECT pg_advisory_lock(72616)")
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            if not db.is_sqlite:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(72616)")
                conn.commit()


def current_revisions(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
