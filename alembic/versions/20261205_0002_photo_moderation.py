"""photo: moderation state (issue 10, photos helper)

Adds the moderation columns and makes photo.submission_id a foreign key (CASCADE): a photo
can no longer exist without its submission. Photos stored before this revision become
``pending``: until now anyone could attach a photo to any submission (issue 10), so none of
them has been checked by a person; staff approve them at /inspector/photos. Rows whose
submission does not exist (uploads the old API accepted for unknown ids) are deleted so the
foreign key can be created; their files are then orphans, listed and removed by
``safeyard photos orphans --purge``.

Revision ID: e2photomod02
Revises: e1yardname01
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import app.platform.db  # noqa: F401  (custom column types)
from alembic import op

revision: str = "e2photomod02"
down_revision: str | None = "e1yardname01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM photo WHERE NOT EXISTS "
        "(SELECT 1 FROM submission WHERE submission.id = photo.submission_id)"
    )
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("moderated_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("moderated_at", app.platform.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_photo_state"), ["state"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_photo_submission_id_submission"),
            "submission",
            ["submission_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_photo_moderated_by_app_user"),
            "app_user",
            ["moderated_by"],
            ["id"],
            ondelete="SET NULL",
        )
    # The default only filled the rows that existed; new rows get their state from the app.
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.alter_column("state", existing_type=sa.String(length=16), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_photo_moderated_by_app_user"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_photo_submission_id_submission"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_photo_state"))
        batch_op.drop_column("moderated_at")
        batch_op.drop_column("moderated_by")
        batch_op.drop_column("state")
