"""What the findings sync reads of one yard: its findings and the bodies that may take them.

On PostgreSQL both go in one round trip (the driver's pipeline), or the intake sends them
with the submission's insert (``YardReads``); SQLite reads the router when it is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from app.findings import summary
from app.findings.models import Finding
from app.findings.routing import Router
from app.platform import pipeline
from app.platform.config import Settings
from app.platform.db import table_of

_FINDING = table_of(Finding)
# Statements built once: building one per call cost as much as running it.
# Only the columns the sync and the yard's summary read (a full row cost as much as the rest
# of the sync, its dates parsed); every kind, for the summary, though only checklist
# findings are synced.
_READ = "id item_id kind state confirmed resident_reports risk basis checklist_version body_id"
_READ += " deadline_at refused_by reopened resident_passes resident_fails"
_YARD_FINDINGS = select(
    *(_FINDING.c[name] for name in dict.fromkeys((*_READ.split(), *summary.COLUMNS_READ)))
).where(_FINDING.c.yard_id == bindparam("yard_id"))


@dataclass(frozen=True)
class Place:
    yard_id: int
    district_id: str
    micro_district_id: str | None


class YardReads:
    """The sync's reads of one yard as driver SQL (PostgreSQL), for the caller to send with
    its own statements (``pipeline.send_together``): the yard's findings (none for a new
    yard) and the bodies that may take them. Pass it to ``sync_yard`` once it has run."""

    def __init__(
        self, connection: Connection, place: Place, *, new_yard: bool, bodies: bool = True
    ) -> None:
        self.findings = (
            None
            if new_yard
            else pipeline.query(_YARD_FINDINGS, connection.dialect).read(yard_id=place.yard_id)
        )
        self.candidates = (
            Router.candidates_read(connection, yard_id=place.yard_id, district_id=place.district_id)
            if bodies
            else None
        )

    @property
    def reads(self) -> list[pipeline.Read]:
        return [r for r in (self.findings, self.candidates) if r is not None]

    def taken(
        self, settings: Settings, fails: Mapping[str, float]
    ) -> tuple[Iterable[Any], Router | None]:
        router = None
        if fails and self.candidates is not None:
            router = Router.of_rows(
                [tuple(row.values()) for row in self.candidates.rows],
                default_deadline_days=settings.finding_deadline_days,
            )
        return (self.findings.rows if self.findings is not None else ()), router


def read_yard(
    connection: Connection,
    place: Place,
    settings: Settings,
    *,
    new_yard: bool,
    fails: Mapping[str, float],
    sent: YardReads | None,
) -> tuple[Iterable[Any], Router | None]:
    """The yard's findings (none for a new yard) and, on PostgreSQL when an item fails, the
    bodies that may take them, in one round trip, or ``sent`` by the caller with its own
    statements (SQLite: the router is read when needed)."""
    if sent is not None:
        return sent.taken(settings, fails)
    if connection.dialect.name == "sqlite":
        if new_yard:
            return (), None
        return connection.execute(_YARD_FINDINGS, {"yard_id": place.yard_id}).mappings(), None
    reads = YardReads(connection, place, new_yard=new_yard, bodies=bool(fails))
    if reads.reads:
        pipeline.send_together(connection, reads.reads)
    return reads.taken(settings, fails)
