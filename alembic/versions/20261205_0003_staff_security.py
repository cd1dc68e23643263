"""staff: second factor and audit log (issue 10, staff helper)

Revision ID: e3staffsec03
Revises: e2photomod02
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401

import app.db  # noqa: F401  (custom column types)
from alembic import op  # noqa: F401

revision: str = "e3staffsec03"
down_revision: str | None = "e2photomod02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
