"""yard: a public name set by staff (issue 10, ids/names helper)

Revision ID: e1yardname01
Revises: d2yardsec0d2
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401

import app.db  # noqa: F401  (custom column types)
from alembic import op  # noqa: F401

revision: str = "e1yardname01"
down_revision: str | None = "d2yardsec0d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
