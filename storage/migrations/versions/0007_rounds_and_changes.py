"""rounds once per period; pairing changes reach the people they affect

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00.000000

- ``programme.schedule_from``: slots before a schedule change are never run.
- ``pair.intro_ref``, ``outbox.ref`` and the ``message_ref`` table: where an
  introduction was sent (channel and ts only), so it can be updated when the
  pairing changes.
- ``pair_departure``: who was swapped out of, paused or left a pair, so their old
  buttons answer what happened.
- Manual rounds used to be stored under ``manual:DATE``; they now fill the period
  itself (``DATE``), so the scheduler finds them and does not run a second round.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_ref",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_message_ref")),
    )
    with op.batch_alter_table("message_ref", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_ref_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "pair_departure",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
            name=op.f("fk_pair_departure_pair_id_pair"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pair_id", "user_id", name=op.f("pk_pair_departure")),
    )
    with op.batch_alter_table("pair_departure", schema=None) as batch_op:
        batch_op.create_index("ix_pair_departure_user", ["user_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_ref", ["ref"], unique=False)

    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intro_ref", sa.String(length=64), nullable=True))

    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_from", sa.DateTime(timezone=True), nullable=True))

    # A manual round filled its period under a key of its own; give it the period's
    # key unless the scheduler already ran that period too.
    op.execute(
        """
        UPDATE pairing_round SET period = substr(period, 8)
        WHERE period LIKE 'manual:%'
          AND NOT EXISTS (
            SELECT 1 FROM pairing_round other
            WHERE other.programme_id = pairing_round.programme_id
              AND other.period = substr(pairing_round.period, 8)
          )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("schedule_from")

    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.drop_column("intro_ref")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_ref")
        batch_op.drop_column("ref")

    with op.batch_alter_table("pair_departure", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_departure_user")
    op.drop_table("pair_departure")

    with op.batch_alter_table("message_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_ref_sent_at"))
    op.drop_table("message_ref")
