"""yard consensus: the figures of issue 13 kept on yard_risk: the consensus risks between two
options (an even count of residents), the cooperative's own figure and count (no longer part
of the residents' consensus) and the 80% interval of the yard's figure

Revision ID: e7consensus07
Revises: e6nesting06
Create Date: 2026-12-05 23:59:00

Rows kept before this revision keep their figures until the next submission to their yard or
the daily ``safeyard refresh-areas``, which recompute them by the new rules; run
``safeyard refresh-areas`` once after upgrading to have every yard on them at once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "e7consensus07"
down_revision: str | None = "e6nesting06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("yard_risk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_risk", JSON, server_default="{}", nullable=False))
        batch_op.add_column(
            sa.Column("cooperatives", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("cooperative_index", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("risk_low", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("risk_high", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("yard_risk", schema=None) as batch_op:
        batch_op.drop_column("risk_high")
        batch_op.drop_column("risk_low")
        batch_op.drop_column("cooperative_index")
        batch_op.drop_column("cooperatives")
        batch_op.drop_column("item_risk")
