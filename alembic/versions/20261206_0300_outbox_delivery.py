"""outbox delivery: attempts, back-off, give-up, the sender's lease and the Message-ID (issue 15)

Revision ID: e9outbox09
Revises: e8findings08
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import app.platform.db  # noqa: F401  (custom column types)
from alembic import op

revision: str = "e9outbox09"
down_revision: str | None = "e8findings08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = app.platform.db.UTCDateTime(timezone=True)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", when, nullable=True))
        batch_op.add_column(sa.Column("failed_at", when, nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("leased_until", when, nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_outbox_message_due", ["failed_at", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.drop_column("message_id")
        batch_op.drop_column("leased_until")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
