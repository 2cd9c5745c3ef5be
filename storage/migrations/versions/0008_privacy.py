"""privacy: staged feedback, weekly quota keys, concern contacts, week snapshots,
sealed journals

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:50:00

Feedback and its replies are rebuilt (``WITHOUT ROWID`` on SQLite) with fresh random
ids in a shuffled order, so no rowid or insertion order survives from before.
Old reply-token hashes were plain SHA-256 and are dropped (those DMs stop working).
Journal entries written before encryption are sealed here; that needs the master
key, which ``storage.migrate.upgrade`` hands over in the config attributes.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from storage import sealing

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NO_ROWID: dict[str, Any] = {"sqlite_with_rowid": False}


def _feedback_tables() -> tuple[sa.Table, sa.Table]:
    feedback = op.create_table(
        "feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_token_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_feedback_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("reply_token_hash", name=op.f("uq_feedback_reply_token_hash")),
        **NO_ROWID,
    )
    op.create_index(op.f("ix_feedback_week"), "feedback", ["week"], unique=False)
    reply = op.create_table(
        "feedback_reply",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("feedback_id", sa.String(length=36), nullable=False),
        sa.Column("from_lead", sa.Boolean(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=True),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_reply_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_reply")),
        **NO_ROWID,
    )
    assert feedback is not None and reply is not None
    return feedback, reply


def _rebuild_feedback(bind: sa.Connection) -> None:
    old_items = bind.execute(
        sa.text("SELECT id, programme_id, week, category, rating, body FROM feedback")
    ).all()
    old_replies = bind.execute(
        sa.text("SELECT feedback_id, from_lead, week, position, body FROM feedback_reply")
    ).all()
    op.drop_table("feedback_reply")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_week"))
    op.drop_table("feedback")
    feedback, reply = _feedback_tables()
    items = list(old_items)
    random.SystemRandom().shuffle(items)
    new_ids = {row[0]: secrets.token_hex(16) for row in items}
    if items:
        op.bulk_insert(
            feedback,
            [
                {
                    "id": new_ids[i],
                    "programme_id": p,
                    "week": w,
                    "category": c,
                    "rating": r,
                    "body": b,
                    "reply_token_hash": None,
                }
                for i, p, w, c, r, b in items
            ],
        )
    kept = [r for r in old_replies if r[0] in new_ids]
    if kept:
        op.bulk_insert(
            reply,
            [
                {
                    "id": secrets.token_hex(16),
                    "feedback_id": new_ids[f],
                    "from_lead": bool(lead),
                    "week": w,
                    "position": pos,
                    "body": b,
                    "day": None,
                    "delivered": True,
                }
                for f, lead, w, pos, b in kept
            ],
        )


def _seal_journals(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT j.id, j.member_id, m.team_id, j.prompt_text, j.text "
            "FROM journal_entry j JOIN member m ON m.id = j.member_id"
        )
    ).all()
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    if rows:
        master = context.config.attributes.get("master_key")
        if not isinstance(master, bytes):
            raise RuntimeError(
                "journal entries exist and must be encrypted: run `allybot db upgrade` "
                "with ALLYBOT_SECRET_KEY (or its key file) available"
            )
        kek = sealing.derive(master, sealing.JOURNAL_WRAP)
        member_keys: dict[int, bytes] = {}
        for entry_id, member_id, team_id, prompt, text in rows:
            if member_id not in member_keys:
                member_keys[member_id] = sealing.new_data_key()
                bind.execute(
                    sa.text("INSERT INTO member_key (member_id, wrapped) VALUES (:m, :w)"),
                    {
                        "m": member_id,
                        "w": sealing.wrap_member_key(
                            kek, member_keys[member_id], team_id, member_id
                        ),
                    },
                )
            blob = sealing.seal_entry(
                member_keys[member_id], team_id, member_id, entry_id, prompt, text
            )
            bind.execute(
                sa.text("UPDATE journal_entry SET sealed = :s WHERE id = :i"),
                {"s": blob, "i": entry_id},
            )
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("prompt_text")
        batch_op.drop_column("text")


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "key_fingerprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_fingerprint")),
    )
    op.create_table(
        "member_key",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_key_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_key")),
    )
    op.create_table(
        "feedback_week_key",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_feedback_week_key")),
    )
    op.create_table(
        "week_snapshot",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("grp", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_week_snapshot_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "programme_id", "week", "metric", "grp", name=op.f("pk_week_snapshot")
        ),
    )
    op.create_table(
        "concern_contact",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_concern_contact_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "user_id", name=op.f("pk_concern_contact")),
    )
    op.create_table(
        "concern_pending",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_concern_pending_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_pending")),
        **NO_ROWID,
    )
    op.create_table(
        "feedback_staging",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_token_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_feedback_staging_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_staging")),
        sa.UniqueConstraint("reply_token_hash", name=op.f("uq_feedback_staging_reply_token_hash")),
        **NO_ROWID,
    )
    op.drop_table("feedback_quota")
    op.create_table(
        "feedback_quota",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("submission", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_feedback_quota")),
        **NO_ROWID,
    )
    _rebuild_feedback(bind)
    _seal_journals(bind)


def downgrade() -> None:
    raise NotImplementedError("0008 rebuilds feedback and seals journals; restore a backup")
