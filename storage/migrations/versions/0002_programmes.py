"""programmes: settings, members and leads

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:02:51.772293
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("cadence_weeks", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("repeat_window", sa.Integer(), nullable=False),
        sa.Column("colleague_round_cap", sa.Integer(), nullable=False),
        sa.Column("colleague_quarter_cap", sa.Integer(), nullable=True),
        sa.Column("peer_pairs", sa.Boolean(), nullable=False),
        sa.Column("checkin_delay_days", sa.Integer(), nullable=False),
        sa.Column("anonymity_threshold", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["workspace.team_id"], name=op.f("fk_programme_team_id_workspace")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_programme_team_id_name")),
    )
    op.create_table(
        "programme_lead",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_lead_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "user_id", name=op.f("pk_programme_lead")),
    )
    op.create_table(
        "programme_member",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_programme_member_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_member_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "member_id", name=op.f("pk_programme_member")),
    )


def downgrade() -> None:
    op.drop_table("programme_member")
    op.drop_table("programme_lead")
    op.drop_table("programme")
