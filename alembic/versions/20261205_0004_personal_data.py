"""personal data: redaction of submissions (issue 10, operations helper)

Revision ID: e4personal04
Revises: e3staffsec03
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401

import app.db  # noqa: F401  (custom column types)
from alembic import op  # noqa: F401

revision: str = "e4personal04"
down_revision: str | None = "e3staffsec03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
