"""The daily refresh: every yard's window moved to now, and its findings with it.

A recomputation without a new submission (a moved window, a new checklist version, an
upgrade) opens, confirms and withdraws findings, and never verifies or reopens one.
"""

from __future__ import annotations

from app.checklists.loader import load_registry
from app.checklists.service import sync_versions
from app.findings import rules
from app.findings import service as findings_service
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.yard_risk import Refreshed, refresh_all_yard_risks


def refresh_yards(settings: Settings) -> int:
    """Move every yard's window to now and bring its findings in step, in one transaction;
    returns the number of yards."""
    registry = load_registry(settings.checklist_dir)
    db = Database(settings.database_url)
    try:
        with db.write_session() as session:
            # As the app does at start: a version only the database still holds (its file
            # retired) joins the registry, for its submissions still in a window.
            sync_versions(session, registry=registry)

            def sync(yard_id: int, refreshed: Refreshed) -> None:
                findings_service.sync_yard(
                    session,
                    place=findings_service.Place(
                        yard_id, refreshed.district_id, refreshed.micro_district_id
                    ),
                    consensus=refreshed.consensus,
                    settings=settings,
                    window_reports=(
                        rules.resident_fail_counts(
                            refreshed.window,
                            refreshed.consensus.loaded.scoring.by_id,
                            threshold=settings.finding_risk,
                        )
                        if refreshed.consensus.loaded is not None
                        else None
                    ),
                )

            return refresh_all_yard_risks(
                session,
                registry=registry,
                window_days=settings.current_risk_window_days,
                disagreement_points=settings.disagreement_points,
                each=sync,
            )
    finally:
        db.dispose()
