"""pairing: rules, rounds, pairs, sit-outs, check-ins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:45:26.122093
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_profile",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("manager_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_org_profile")),
    )
    op.create_table(
        "pair_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("other", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_pair_rule_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_rule")),
        sa.UniqueConstraint(
            "programme_id",
            "kind",
            "owner",
            "other",
            name=op.f("uq_pair_rule_programme_id_kind_owner_other"),
        ),
    )
    op.create_table(
        "pairing_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_pairing_round_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_round")),
        sa.UniqueConstraint(
            "programme_id", "period", name=op.f("uq_pairing_round_programme_id_period")
        ),
    )
    op.create_table(
        "pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_pair_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pairing_round.id"],
            name=op.f("fk_pair_round_id_pairing_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair")),
    )
    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.create_index("ix_pair_round", ["round_id"], unique=False)

    op.create_table(
        "sit_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pairing_round.id"],
            name=op.f("fk_sit_out_round_id_pairing_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sit_out")),
    )
    op.create_table(
        "checkin_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("usefulness", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
            name=op.f("fk_checkin_outcome_pair_id_pair"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_checkin_outcome_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_outcome")),
        sa.UniqueConstraint("pair_id", "user_id", name=op.f("uq_checkin_outcome_pair_id_user_id")),
    )
    with op.batch_alter_table("checkin_outcome", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_outcome_programme_week", ["programme_id", "week"], unique=False
        )

    op.create_table(
        "pair_participant",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("responded", sa.Boolean(), nullable=False),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
            name=op.f("fk_pair_participant_pair_id_pair"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pair_id", "user_id", name=op.f("pk_pair_participant")),
    )
    with op.batch_alter_table("pair_participant", schema=None) as batch_op:
        batch_op.create_index("ix_pair_participant_user", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pair_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_participant_user")

    op.drop_table("pair_participant")
    with op.batch_alter_table("checkin_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_outcome_programme_week")

    op.drop_table("checkin_outcome")
    op.drop_table("sit_out")
    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_round")

    op.drop_table("pair")
    op.drop_table("pairing_round")
    op.drop_table("pair_rule")
    op.drop_table("org_profile")
