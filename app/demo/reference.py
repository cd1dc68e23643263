"""The reference data every SafeYard database needs before it takes submissions."""

from app.checklists.loader import ChecklistRegistry
from app.checklists.service import sync_versions
from app.districts.service import load_demo_geography
from app.platform.db import Database


def load_reference_data(db: Database, *, registry: ChecklistRegistry) -> None:
    """Record the checklist versions and load Almaty's 8 districts and the H3 micro-district
    grid shipped in ``data/geo/`` (idempotent)."""
    with db.write_session() as session:
        sync_versions(session, registry=registry)
        load_demo_geography(session)
