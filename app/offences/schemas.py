"""An offence as a file gives it, the problems found in a file, and what an import did.

``OffenceRecord`` is what ``app.offences.importing`` reads from Esri JSON, GeoJSON or CSV
(and what the demo makes); ``app.offences.service.store_offences`` stores a list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.platform.errors import Invalid
from app.platform.translations import gettext


@dataclass(frozen=True)
class OffenceRecord:
    """One offence, its fields normalized: ``article`` the article's number ("188",
    "188-1"), ``severity`` 1-4 (``hard_code``), the point in WGS84. ``source_id`` is the
    source's own id (OBJECTID) when the file has one. ``district_id`` None: the import
    locates the point; the demo, which makes points inside an area, may give both."""

    occurred_on: date
    article: str
    lat: float
    lon: float
    source_id: str | None = None
    crime_code: str | None = None
    severity: int | None = None
    time_period: str | None = None
    weekday: str | None = None
    discontinued: bool = False
    district_id: str | None = None
    micro_district_id: str | None = None


@dataclass(frozen=True)
class OffenceProblem:
    """One thing wrong with one record: its number in the file (1-based, across the pages of
    the file; 0 for the file as a whole), the source's id if any, the field, what to do."""

    index: int
    record_id: str | None
    field: str
    message: str

    def describe(self) -> str:
        if self.index == 0:
            return self.message
        return gettext(
            "Offence no. %(index)s (id “%(id)s”), field “%(field)s”: %(problem)s",
            index=self.index,
            id=self.record_id or "—",
            field=self.field,
            problem=self.message,
        )


class OffencesInvalid(Invalid):
    """A file of offences that cannot be stored; nothing was. ``problems`` lists every one."""

    def __init__(self, problems: list[OffenceProblem], *, file_name: str = "") -> None:
        self.problems = problems
        self.file_name = file_name
        super().__init__(
            "\n".join(p.describe() for p in problems),
            details=[
                {"index": p.index, "id": p.record_id, "field": p.field, "message": p.message}
                for p in problems
            ],
        )


@dataclass(frozen=True)
class ReadFile:
    """A file read and checked as a whole: its records in file order, and what the reader
    noticed that is not an error (e.g. the server said more pages exist)."""

    file_name: str
    file_format: str  # esri-json, geojson or csv
    file_sha256: str
    records: tuple[OffenceRecord, ...]
    warnings: tuple[str, ...] = ()

    @property
    def date_from(self) -> date | None:
        return min((r.occurred_on for r in self.records), default=None)

    @property
    def date_to(self) -> date | None:
        return max((r.occurred_on for r in self.records), default=None)


@dataclass(frozen=True)
class ImportReport:
    """What one file's import did (or, in a dry run, would do)."""

    source: str
    file_name: str
    file_format: str
    file_sha256: str
    rows_read: int
    rows_new: int
    rows_known: int
    rows_outside: int
    date_from: date | None
    date_to: date | None
    dry_run: bool = False
    import_id: int | None = None
    warnings: tuple[str, ...] = ()
