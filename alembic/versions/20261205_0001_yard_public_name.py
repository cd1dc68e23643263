"""yard: a public name set by staff (issue 10, ids/names helper)

Until staff name a yard, pages call it by its number, district and micro-district: the
address an anonymous sender typed is never shown publicly.

Revision ID: e1yardname01
Revises: d2yardsec0d2
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import app.platform.db  # noqa: F401  (custom column types)
from alembic import op

revision: str = "e1yardname01"
down_revision: str | None = "d2yardsec0d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("yard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("yard", schema=None) as batch_op:
        batch_op.drop_column("public_name")
