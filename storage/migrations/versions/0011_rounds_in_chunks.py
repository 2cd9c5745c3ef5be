"""rounds stored in short transactions, shown to members only once complete

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00.000000

- ``pairing_round.completed_at``: set in the transaction that stores a round's
  last chunk. Until then the round, its pairs (``status = 'pending'``) and its
  sit-outs are invisible to members, and a crash midway leaves it to be finished.
  Rounds stored before this migration were complete when they were committed.
- ``outbox.hold`` and ``outbox_hold``: messages owed by a change that is not
  complete yet (a round's introductions and sit-out notes) name a hold; they are
  not sent while that hold has a row in ``outbox_hold``. Releasing deletes one
  small row, so thousands of messages are let go without rewriting any of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairing_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE pairing_round SET completed_at = created_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_hold", ["hold"], unique=False)
    op.create_table(
        "outbox_hold",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_hold")),
    )


def downgrade() -> None:
    op.drop_table("outbox_hold")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_hold")
        batch_op.drop_column("hold")
    with op.batch_alter_table("pairing_round", schema=None) as batch_op:
        batch_op.drop_column("completed_at")
