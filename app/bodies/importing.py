"""Reading a bodies file (YAML or CSV, docs/BODIES.md) into records for
``app.bodies.service.upsert_bodies``. Problems of form (a missing column, a number that is
not one) are collected like the service's, naming the record and the field."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

from app.bodies.schemas import BodiesInvalid, BodyRecord, RecordProblem
from app.platform.translations import gettext

CSV_COLUMNS = (
    "id",
    "district",
    "kind",
    "name_ru",
    "name_kk",
    "name_en",
    "channel",
    "email",
    "phone",
    "eotinish_category",
    "deadline_days",
    "active",
    "items",
)
# Optional CSV columns.
CSV_EXTRA = ("yards", "synthetic")
YAML_KEYS = {
    "id",
    "district",
    "kind",
    "name",
    "channel",
    "email",
    "phone",
    "eotinish_category",
    "deadline_days",
    "active",
    "synthetic",
    "items",
    "yards",
}
_TRUE = {"true", "yes", "1", "y", "да", "иә"}
_FALSE = {"false", "no", "0", "n", "нет", "жоқ"}
_SEPARATORS = re.compile(r"[\s;,]+")


class _Reader:
    def __init__(self) -> None:
        self.problems: list[RecordProblem] = []

    def say(self, index: int, body_id: str, field: str, message: str) -> None:
        self.problems.append(RecordProblem(index, body_id, field, message))

    def text(self, value: Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    def integer(self, index: int, body_id: str, field: str, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            value = "?"
        try:
            return int(str(value).strip())
        except ValueError:
            self.say(
                index,
                body_id,
                field,
                gettext("“%(value)s” is not a whole number of days.", value=value),
            )
            return None

    def flag(self, index: int, body_id: str, field: str, value: Any, default: bool) -> bool:
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        self.say(
            index, body_id, field, gettext("“%(value)s” is neither true nor false.", value=value)
        )
        return default

    def items_text(self, index: int, body_id: str, value: str) -> dict[str, int | None]:
        """``lighting.at_night:14 access.basements`` (spaces, semicolons or commas)."""
        items: dict[str, int | None] = {}
        for part in _SEPARATORS.split(value.strip()):
            if not part:
                continue
            item_id, _, days = part.partition(":")
            items[item_id] = self.integer(index, body_id, "items", days) if days else None
        return items

    def items_list(self, index: int, body_id: str, value: Any) -> dict[str, int | None]:
        """A YAML list of item ids or {id, deadline_days}."""
        if isinstance(value, str):
            return self.items_text(index, body_id, value)
        if not isinstance(value, list):
            self.say(index, body_id, "items", gettext("items is a list of item ids."))
            return {}
        items: dict[str, int | None] = {}
        for entry in value:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                extra = set(entry) - {"id", "deadline_days"}
                if extra:
                    self.say(index, body_id, "items", _unknown_keys(extra))
                items[entry["id"]] = self.integer(
                    index, body_id, "items", entry.get("deadline_days")
                )
            elif isinstance(entry, str):
                items[entry.strip()] = None
            else:
                self.say(
                    index,
                    body_id,
                    "items",
                    gettext(
                        "each item is an id or {id, deadline_days}, not “%(value)s”.",
                        value=entry,
                    ),
                )
        return items

    def yards(self, index: int, body_id: str, value: Any) -> list[int] | None:
        if value is None:
            return None
        parts = _SEPARATORS.split(value.strip()) if isinstance(value, str) else value
        if not isinstance(parts, list):
            self.say(index, body_id, "yards", gettext("yards is a list of yard numbers."))
            return None
        out = []
        for part in parts:
            if part in ("", None):
                continue
            if isinstance(part, int) and not isinstance(part, bool):
                out.append(part)
            elif isinstance(part, str) and part.strip().isascii() and part.strip().isdigit():
                out.append(int(part.strip()))
            else:
                self.say(
                    index,
                    body_id,
                    "yards",
                    gettext("“%(value)s” is not a yard number.", value=part),
                )
        return out

    def record(self, index: int, raw: dict[str, Any], names: dict[str, Any]) -> BodyRecord:
        body_id = self.text(raw.get("id")) or ""
        deadline = self.integer(index, body_id, "deadline_days", raw.get("deadline_days"))
        return BodyRecord(
            id=body_id,
            district_id=self.text(raw.get("district")),
            kind=self.text(raw.get("kind")) or "",
            name=self.text(names.get("ru")) or "",
            name_kk=self.text(names.get("kk")),
            name_en=self.text(names.get("en")),
            channel=self.text(raw.get("channel")) or "email",
            email=self.text(raw.get("email")),
            phone=self.text(raw.get("phone")),
            eotinish_category=self.text(raw.get("eotinish_category")),
            deadline_days=30 if deadline is None else deadline,
            active=self.flag(index, body_id, "active", raw.get("active"), True),
            synthetic=self.flag(index, body_id, "synthetic", raw.get("synthetic"), False),
        )


def _unknown_keys(keys: set[str]) -> str:
    return gettext("unknown fields: %(keys)s.", keys=", ".join(sorted(map(str, keys))))


def parse_yaml(text: str) -> list[BodyRecord]:
    """Records of a YAML file: ``bodies:`` a list; ``synthetic:`` at the top applies to each
    body that does not say. Raises BodiesInvalid."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _file_problem(gettext("not valid YAML: %(error)s", error=exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("bodies"), list):
        raise _file_problem(gettext("the file needs a top-level “bodies:” list."))
    synthetic = data.get("synthetic", False)
    reader = _Reader()
    records = []
    for index, raw in enumerate(data["bodies"], start=1):
        if not isinstance(raw, dict):
            reader.say(index, "", "id", gettext("each body is a mapping of fields."))
            continue
        body_id = str(raw.get("id") or "")
        extra = set(raw) - YAML_KEYS
        if extra:
            reader.say(index, body_id, "id", _unknown_keys(extra))
        names = raw.get("name")
        if isinstance(names, str):
            names = {"ru": names}
        if not isinstance(names, dict):
            names = {}
        record = reader.record(index, {"synthetic": synthetic, **raw}, names)
        if "items" in raw:
            record.items = reader.items_list(index, body_id, raw["items"] or [])
        record.yards = reader.yards(index, body_id, raw.get("yards"))
        records.append(record)
    if reader.problems:
        raise BodiesInvalid(reader.problems)
    return records


def parse_csv(text: str) -> list[BodyRecord]:
    """Records of a CSV file with the columns of ``CSV_COLUMNS`` (``yards`` and
    ``synthetic`` optional). Body no. N is on line N + 1. Raises BodiesInvalid."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise _file_problem(
            gettext("the CSV file lacks the columns: %(columns)s.", columns=", ".join(missing))
        )
    unknown = set(rows.fieldnames or []) - set(CSV_COLUMNS) - set(CSV_EXTRA)
    if unknown:
        raise _file_problem(_unknown_keys(unknown))
    reader = _Reader()
    records = []
    for index, row in enumerate(rows, start=1):
        names = {"ru": row["name_ru"], "kk": row["name_kk"], "en": row["name_en"]}
        record = reader.record(index, dict(row), names)
        record.items = reader.items_text(index, record.id, row["items"] or "")
        if "yards" in row:
            record.yards = reader.yards(index, record.id, row["yards"] or "")
        records.append(record)
    if reader.problems:
        raise BodiesInvalid(reader.problems)
    return records


def read_bodies_file(path: Path) -> list[BodyRecord]:
    """The records of a ``.yaml``/``.yml`` or ``.csv`` file. Raises BodiesInvalid."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        return parse_csv(text)
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(text)
    raise _file_problem(gettext("a bodies file ends in .yaml, .yml or .csv."))


def _file_problem(message: str) -> BodiesInvalid:
    return BodiesInvalid([RecordProblem(0, "", "file", message)])
