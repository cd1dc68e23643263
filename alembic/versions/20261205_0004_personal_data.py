"""personal data: redaction of submissions (issue 10, operations helper)

Revision ID: e4personal04
Revises: e3staffsec03
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import app.platform.db  # noqa: F401  (custom column types)
from alembic import op

revision: str = "e4personal04"
down_revision: str | None = "e3staffsec03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submission_redaction",
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("redacted_at", app.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("redacted_by", sa.Integer(), nullable=True),
        sa.Column("texts_removed", sa.Integer(), nullable=False),
        sa.Column("photos_removed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["redacted_by"],
            ["app_user.id"],
            name=op.f("fk_submission_redaction_redacted_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_submission_redaction_submission_id_submission"),
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_submission_redaction")),
    )


def downgrade() -> None:
    op.drop_table("submission_redaction")
