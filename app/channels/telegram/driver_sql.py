"""The statements every update runs, as the driver's own SQL on the transaction's DBAPI
connection: no SQLAlchemy execution layer.

A button press is a handful of tiny statements (the update id claimed, the chat and its
conversation read, the conversation written back). Through SQLAlchemy each cost several times
the database's own work: the compiled cache, parameter and result processing, events, the
Connection and its transaction objects (docs/PERFORMANCE.md, the Telegram section). Here
they are SQL strings per dialect, and the types SQLAlchemy's columns convert are converted by
hand, the same way those columns store them: SQLite keeps times as UTC text
``YYYY-MM-DD HH:MM:SS.ffffff``, UUIDs as 32 hex digits and JSON as text; PostgreSQL has
timestamptz, uuid and jsonb, which psycopg converts (psycopg also prepares a statement run
often). Every other statement of the bot goes through SQLAlchemy as before.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

# The columns of ``chat`` an update reads (``store.ChatRow``) and of ``chat_conversation``
# (``store.Conversation``), in the order the query returns them.
CHAT_COLUMNS = ("id", "telegram_id", "lang", "user_id", "last_seen_at")
CONVERSATION_COLUMNS = (
    "id",
    "chat_id",
    "kind",
    "submission_id",
    "step",
    "position",
    "checklist_version",
    "yard_id",
    "latitude",
    "longitude",
    "answers",
    "data",
    "started_at",
    "updated_at",
    "expires_at",
)
_TIMES = frozenset({"last_seen_at", "received_at", "started_at", "updated_at", "expires_at"})
_JSON = frozenset({"answers", "data"})
_UUIDS = frozenset({"submission_id"})
_CONVERTED = _TIMES | _JSON | _UUIDS


class DriverSql:
    """The statements and type conversions of one dialect (``for_dialect``)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        lock = " FOR UPDATE OF chat" if self.postgres else ""
        chat = ", ".join(f"chat.{name}" for name in CHAT_COLUMNS)
        conversation = ", ".join(f"chat_conversation.{name}" for name in CONVERSATION_COLUMNS)
        self.claim = self._params(
            "INSERT INTO chat_update (update_id, received_at) VALUES (:update_id, :received_at) "
            "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
        )
        self.unclaim = self._params("DELETE FROM chat_update WHERE update_id = :update_id")
        # FOR UPDATE OF the chat (PostgreSQL): two taps of one chat are handled in turn.
        self.chat_and_conversation = self._params(
            f"SELECT {chat}, {conversation} FROM chat LEFT OUTER JOIN chat_conversation "
            f"ON chat_conversation.chat_id = chat.id WHERE chat.telegram_id = :telegram_id{lock}"
        )
        self.seen_now = self._params(
            "UPDATE chat SET last_seen_at = :last_seen_at WHERE chat.id = :row_id"
        )
        self._updates: dict[frozenset[str], str] = {}

    def _params(self, sql: str) -> str:
        # sqlite3 takes :name; psycopg takes %(name)s.
        return re.sub(r":(\w+)", r"%(\1)s", sql) if self.postgres else sql

    def update_conversation(self, names: Iterable[str]) -> str:
        """``UPDATE chat_conversation`` of the named columns (``:row_id`` names the row)."""
        key = frozenset(names)
        sql = self._updates.get(key)
        if sql is None:
            assert key <= set(CONVERSATION_COLUMNS), key  # column names, never input
            sets = ", ".join(
                f"{name} = CAST(:{name} AS JSONB)"
                if self.postgres and name in _JSON
                else f"{name} = :{name}"
                for name in sorted(key)
            )
            sql = self._updates[key] = self._params(
                f"UPDATE chat_conversation SET {sets} WHERE id = :row_id"
            )
        return sql

    # --- values in and out ----------------------------------------------------------------

    def time_in(self, value: datetime) -> Any:
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        value = value.astimezone(UTC)
        if self.postgres:
            return value
        # SQLAlchemy's format (microseconds always written); isoformat is 5x strftime.
        text = value.replace(tzinfo=None).isoformat(" ")
        return text if value.microsecond else text + ".000000"

    @staticmethod
    def time_out(value: Any) -> datetime:
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def value_in(self, name: str, value: Any) -> Any:
        """A column's value as the driver takes it."""
        if value is None:
            return None
        if name in _TIMES:
            return self.time_in(value)
        if name in _JSON:
            return json.dumps(value)
        if name in _UUIDS:
            return value if self.postgres else value.hex
        return value

    def values_in(self, values: dict[str, Any]) -> dict[str, Any]:
        return {name: self.value_in(name, value) for name, value in values.items()}

    @staticmethod
    def value_out(name: str, value: Any) -> Any:
        """A column's value as SQLAlchemy's column type would hand it back."""
        if value is None:
            return None
        if name in _TIMES:
            return DriverSql.time_out(value)
        if name in _JSON:
            return json.loads(value) if isinstance(value, str | bytes) else value
        if name in _UUIDS:
            return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=str(value))
        return value

    @staticmethod
    def row_out(names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
        values = dict(zip(names, row, strict=True))
        for name in _CONVERTED.intersection(names):
            values[name] = DriverSql.value_out(name, values[name])
        return values


@cache
def for_dialect(dialect: str) -> DriverSql:
    return DriverSql(dialect)
