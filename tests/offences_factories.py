"""Offence imports for tests that insert offence rows directly."""

from __future__ import annotations

from itertools import count

from sqlmodel import Session

from app.offences.models import OffenceImport

_keys = count()


def add_import(session: Session, *, synthetic: bool = False, source: str = "KPSSU") -> int:
    """A stored import to hang offences on; returns its id (each with its own file digest)."""
    row = OffenceImport(
        source=source,
        file_name="crime.csv",
        file_format="csv",
        file_sha256=f"{next(_keys):064d}",
        synthetic=synthetic,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id
