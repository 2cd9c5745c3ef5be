"""request hygiene: replayed slash commands, a rate budget shared by instances

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_replay",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_replay")),
    )
    with op.batch_alter_table("request_replay", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_replay_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "rate_budget",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_budget")),
    )


def downgrade() -> None:
    op.drop_table("rate_budget")
    with op.batch_alter_table("request_replay", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_replay_expires_at"))
    op.drop_table("request_replay")
