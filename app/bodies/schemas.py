"""A body as a file or a form gives it, and the problems found in it.

``BodyRecord`` is what ``app.bodies.importing`` reads from YAML or CSV and what the admin form
posts; ``app.bodies.service.upsert_bodies`` checks a list of them together and stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.platform.errors import Invalid
from app.platform.translations import gettext


@dataclass
class BodyRecord:
    """One body to create or update, by ``id``. ``items`` and ``yards`` None: leave the
    stored ones as they are; a list (even empty) replaces them."""

    id: str
    kind: str
    name: str
    district_id: str | None = None
    name_kk: str | None = None
    name_en: str | None = None
    channel: str = "email"
    email: str | None = None
    phone: str | None = None
    eotinish_category: str | None = None
    deadline_days: int = 30
    active: bool = True
    synthetic: bool = False
    # item id -> its own deadline in days (None: the body's)
    items: dict[str, int | None] | None = None
    yards: list[int] | None = None


@dataclass(frozen=True)
class RecordProblem:
    """One thing wrong with one record: its place in the file (1-based), its id, the field
    and what to do about it (in the reader's language)."""

    index: int
    body_id: str
    field: str
    message: str

    def describe(self) -> str:
        if self.index == 0:  # the file as a whole
            return self.message
        return gettext(
            "Body no. %(index)s (id “%(id)s”), field “%(field)s”: %(problem)s",
            index=self.index,
            id=self.body_id or "?",
            field=self.field,
            problem=self.message,
        )


class BodiesInvalid(Invalid):
    """Bodies that cannot be stored; nothing was. ``problems`` lists every one found."""

    def __init__(self, problems: list[RecordProblem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(p.describe() for p in problems),
            details=[
                {"index": p.index, "id": p.body_id, "field": p.field, "message": p.message}
                for p in problems
            ],
        )


@dataclass(frozen=True)
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
