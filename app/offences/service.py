"""Storing offences: a file read, checked, located in districts and stored once per record
(``import_offences``), and the bulk insert under it (``store_offences``), which the demo
uses for its synthetic offences. Neither commits: the caller's transaction does.

A record's identity across imports is its ``source_key``: ``<source-slug>:<id>`` when the
source gives an id, else ``<source-slug>:<digest of its fields>#<ordinal>``, the ordinal
counting identical records in the file (two thefts at one point on one day are two). The
same file twice adds nothing; a later export overlapping an earlier one adds its new rows.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from app.districts.service import load_area_index
from app.geo.locator import AreaIndex, OutsideCity
from app.offences import importing
from app.offences.models import Offence, OffenceImport
from app.offences.schemas import ImportReport, OffenceRecord
from app.platform.db import table_of
from app.platform.errors import Unavailable

DEFAULT_SOURCE = "KPSSU crime map (gis.kgp.kz, KPSSU/crime)"
BATCH = 1000  # keys per IN (...) and rows per INSERT: under every backend's parameter limit
SLUG_MAX = 40
ID_MAX = 60  # longer source ids are digested, so a key fits its 120 characters

_OFFENCE = table_of(Offence)


def source_slug(source: str) -> str:
    """'KPSSU crime map (gis.kgp.kz, KPSSU/crime)' -> 'kpssu-crime-map-gis-kgp-kz-kpssu-crime';
    a source with no Latin letters or a long one gets a digest, so two sources never share."""
    slug = "-".join(re.findall(r"[a-z0-9]+", source.lower()))
    if not slug or len(slug) > SLUG_MAX:
        digest = hashlib.sha256(source.encode()).hexdigest()[:8]
        slug = f"{slug[: SLUG_MAX - 9]}-{digest}".lstrip("-")
    return slug


def _digest(record: OffenceRecord) -> str:
    # 5 decimals (~1 m): the same point exported in WGS84 and in Web Mercator agrees there.
    fields = (
        record.occurred_on.isoformat(),
        record.article,
        record.crime_code or "",
        "" if record.severity is None else str(record.severity),
        record.time_period or "",
        record.weekday or "",
        "1" if record.discontinued else "0",
        f"{record.lat:.5f}",
        f"{record.lon:.5f}",
    )
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:32]


def source_keys(records: Sequence[OffenceRecord], *, source: str) -> list[str]:
    """Each record's ``source_key`` (see the module's docstring), in order."""
    slug = source_slug(source)
    ordinals: Counter[str] = Counter()
    keys = []
    for record in records:
        if record.source_id is not None:
            own = record.source_id
            if len(own) > ID_MAX:
                own = "id-" + hashlib.sha256(own.encode()).hexdigest()[:32]
            keys.append(f"{slug}:{own}")
            continue
        digest = _digest(record)
        ordinals[digest] += 1
        keys.append(f"{slug}:{digest}#{ordinals[digest]}")
    return keys


def _known(session: Session, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        known.update(
            session.execute(
                select(_OFFENCE.c.source_key).where(_OFFENCE.c.source_key.in_(chunk))
            ).scalars()
        )
    return known


def _placed(
    records: Sequence[OffenceRecord], session: Session, areas: AreaIndex | None
) -> list[tuple[OffenceRecord, str, str | None] | None]:
    """Each record with its district and micro-district, None outside every district."""
    if areas is None and any(r.district_id is None for r in records):
        areas = load_area_index(session)
        if areas is None:
            raise Unavailable(
                "No district boundaries are loaded, so no offence can be placed; run "
                "'safeyard import-districts' (or 'safeyard demo') first."
            )
    placed: list[tuple[OffenceRecord, str, str | None] | None] = []
    for record in records:
        if record.district_id is not None:
            placed.append((record, record.district_id, record.micro_district_id))
            continue
        assert areas is not None
        try:
            where = areas.locate(record.lat, record.lon)
        except OutsideCity:
            placed.append(None)
            continue
        placed.append((record, where.district_id, where.micro_district_id))
    return placed


def _plan(
    session: Session,
    *,
    records: Sequence[OffenceRecord],
    source: str,
    areas: AreaIndex | None,
) -> tuple[list[tuple[str, OffenceRecord, str, str | None]], int, int]:
    """(rows to insert, rows known, rows outside): the known are stored already or repeat a
    record earlier in the same file."""
    keys = source_keys(records, source=source)
    known = _known(session, keys)
    new: list[tuple[str, OffenceRecord, str, str | None]] = []
    seen: set[str] = set()
    rows_known = rows_outside = 0
    for key, place in zip(keys, _placed(records, session, areas), strict=True):
        if key in known or key in seen:
            rows_known += 1
        elif place is None:
            rows_outside += 1
        else:
            seen.add(key)
            new.append((key, *place))
    return new, rows_known, rows_outside


def store_offences(
    session: Session,
    *,
    records: Sequence[OffenceRecord],
    source: str,
    file_name: str,
    file_format: str,
    file_sha256: str,
    synthetic: bool = False,
    areas: AreaIndex | None = None,
) -> OffenceImport:
    """Store the records not stored before, as one ``offence_import`` row and one bulk insert
    (records outside every district are counted, not stored). Records with a district keep
    it; the others are located with ``areas`` (read from the database when not given).
    Raises Unavailable when a record needs placing and no district is loaded."""
    new, rows_known, rows_outside = _plan(session, records=records, source=source, areas=areas)
    dates = [r.occurred_on for r in records]
    batch = OffenceImport(
        source=source,
        file_name=Path(file_name).name,
        file_format=file_format,
        file_sha256=file_sha256,
        synthetic=synthetic,
        date_from=min(dates, default=None),
        date_to=max(dates, default=None),
        rows_read=len(records),
        rows_new=len(new),
        rows_known=rows_known,
        rows_outside=rows_outside,
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    values: list[dict[str, Any]] = [
        {
            "source_key": key,
            "import_id": batch.id,
            "occurred_on": r.occurred_on,
            "article": r.article,
            "crime_code": r.crime_code,
            "severity": r.severity,
            "time_period": r.time_period,
            "weekday": r.weekday,
            "discontinued": r.discontinued,
            "lat": r.lat,
            "lon": r.lon,
            "district_id": district_id,
            "micro_district_id": micro_district_id,
            "synthetic": synthetic,
        }
        for key, r, district_id, micro_district_id in new
    ]
    for start in range(0, len(values), BATCH):
        session.execute(insert(_OFFENCE), values[start : start + BATCH])
    return batch


def import_offences(
    session: Session,
    *,
    path: Path,
    source: str = DEFAULT_SOURCE,
    dry_run: bool = False,
    areas: AreaIndex | None = None,
) -> ImportReport:
    """Read, check and store the offences of the file at ``path``; ``dry_run`` counts what
    would be stored and stores nothing. Raises OffencesInvalid (every problem of the file;
    nothing stored) or Unavailable (no districts loaded)."""
    read = importing.read_offences_file(path)
    if dry_run:
        new, rows_known, rows_outside = _plan(
            session, records=read.records, source=source, areas=areas
        )
        rows_new, import_id = len(new), None
    else:
        stored = store_offences(
            session,
            records=read.records,
            source=source,
            file_name=read.file_name,
            file_format=read.file_format,
            file_sha256=read.file_sha256,
            areas=areas,
        )
        rows_new, rows_known, rows_outside = stored.rows_new, stored.rows_known, stored.rows_outside
        import_id = stored.id
    return ImportReport(
        source=source,
        file_name=read.file_name,
        file_format=read.file_format,
        file_sha256=read.file_sha256,
        rows_read=len(read.records),
        rows_new=rows_new,
        rows_known=rows_known,
        rows_outside=rows_outside,
        date_from=read.date_from,
        date_to=read.date_to,
        dry_run=dry_run,
        import_id=import_id,
        warnings=read.warnings,
    )
