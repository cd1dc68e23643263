"""Column types shared by the tables."""

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

# JSONB on PostgreSQL (indexable, compact), plain JSON text on SQLite.
JSONColumn: Any = JSON().with_variant(JSONB(), "postgresql")
