"""prompts: library, schedules, deliveries, journal

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:51:35.549712
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("prompt_id", sa.String(length=64), nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_note", sa.String(length=255), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "prompt_id", name=op.f("pk_prompt")),
    )
    op.create_table(
        "journal_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(length=64), nullable=True),
        sa.Column("prompt_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_journal_entry_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entry")),
    )
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.create_index("ix_journal_member", ["member_id", "id"], unique=False)

    op.create_table(
        "prompt_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("prompt_id", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_prompt_delivery_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_delivery")),
    )
    with op.batch_alter_table("prompt_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_prompt_delivery_member", ["member_id", "id"], unique=False)

    op.create_table(
        "prompt_schedule",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_prompt_schedule_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_prompt_schedule")),
    )
    with op.batch_alter_table("prompt_schedule", schema=None) as batch_op:
        batch_op.create_index("ix_prompt_schedule_due", ["next_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prompt_schedule", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_schedule_due")

    op.drop_table("prompt_schedule")
    with op.batch_alter_table("prompt_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_delivery_member")

    op.drop_table("prompt_delivery")
    with op.batch_alter_table("journal_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_member")

    op.drop_table("journal_entry")
    op.drop_table("prompt")
