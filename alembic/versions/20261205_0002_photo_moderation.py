"""photo: moderation state (issue 10, photos helper)

Revision ID: e2photomod02
Revises: e1yardname01
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401

import app.db  # noqa: F401  (custom column types)
from alembic import op  # noqa: F401

revision: str = "e2photomod02"
down_revision: str | None = "e1yardname01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
