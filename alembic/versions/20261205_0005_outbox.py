"""outbox: effects outside SafeYard written in the intake's transaction (issue 11)

Revision ID: e5outbox05
Revises: e4personal04
Create Date: 2026-12-05 20:45:00
"""

from collections.abc import Sequence

import app.platform.db  # noqa: F401  (custom column types)

revision: str = "e5outbox05"
down_revision: str | None = "e4personal04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
