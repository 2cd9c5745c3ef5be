"""programmes that follow Slack: personal working hours, channel-linked programmes,
their invitations, and paged sweeps through Slack's member lists

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:28:08.205588

The lead re-chains migrations when merging; this one is written against 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_channel_invitation_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_invitation")),
        sa.UniqueConstraint(
            "programme_id", "user_id", name=op.f("uq_channel_invitation_programme_id_user_id")
        ),
    )
    with op.batch_alter_table("channel_invitation", schema=None) as batch_op:
        batch_op.create_index("ix_channel_invitation_user", ["team_id", "user_id"], unique=False)

    op.create_table(
        "programme_channel",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("guests", sa.Boolean(), nullable=False),
        sa.Column("linked_by", sa.String(length=32), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("explained_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_channel_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_programme_channel")),
        sa.UniqueConstraint(
            "team_id", "channel_id", name=op.f("uq_programme_channel_team_id_channel_id")
        ),
    )
    op.create_table(
        "slack_sweep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.String(length=512), nullable=True),
        sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_slack_sweep_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_sweep")),
    )
    with op.batch_alter_table("slack_sweep", schema=None) as batch_op:
        batch_op.create_index("ix_slack_sweep_due", ["stage", "next_call_at"], unique=False)

    op.create_table(
        "working_hours",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_working_hours_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_working_hours")),
    )


def downgrade() -> None:
    op.drop_table("working_hours")
    with op.batch_alter_table("slack_sweep", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_sweep_due")

    op.drop_table("slack_sweep")
    op.drop_table("programme_channel")
    with op.batch_alter_table("channel_invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_invitation_user")

    op.drop_table("channel_invitation")
