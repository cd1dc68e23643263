"""the outcomes' counts from their indexes alone (issue 17)

ix_finding_opened leads with ``confirmed`` (a month's unconfirmed findings are no longer
walked) and carries the area; ix_finding_state_confirmed carries the district, area and body,
so what is owed now is counted without a look-up in the table per finding.

Revision ID: h2outcomes12
Revises: g1chats11
Create Date: 2026-12-07 01:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "h2outcomes12"
down_revision: str | None = "g1chats11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_state_confirmed")
        batch_op.drop_index("ix_finding_opened")
        batch_op.create_index(
            "ix_finding_opened",
            ["confirmed", "opened_at", "district_id", "micro_district_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_finding_state_confirmed",
            ["state", "confirmed", "deadline_at", "district_id", "micro_district_id", "body_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_state_confirmed")
        batch_op.drop_index("ix_finding_opened")
        batch_op.create_index(
            "ix_finding_opened", ["opened_at", "confirmed", "district_id"], unique=False
        )
        batch_op.create_index(
            "ix_finding_state_confirmed", ["state", "confirmed", "deadline_at"], unique=False
        )
