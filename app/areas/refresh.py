"""Recompute every yard's current risk: ``python -m app.areas.refresh``.

The 180-day window moves with time, so a yard's figures change even without new submissions
(an audit ages out, a yard stops counting as audited). Run this daily, e.g. from cron.
"""

from __future__ import annotations

from app.checklists.loader import load_registry
from app.platform.config import Settings, get_settings
from app.platform.db import Database
from app.yards.risk import refresh_all_yard_risks


def refresh_areas(settings: Settings) -> int:
    """Rebuild ``yard_risk`` for every yard in one transaction; returns the number of yards."""
    registry = load_registry(settings.checklist_dir)
    db = Database(settings.database_url)
    try:
        with db.write_session() as session:
            return refresh_all_yard_risks(
                session,
                registry=registry,
                window_days=settings.current_risk_window_days,
                disagreement_points=settings.disagreement_points,
            )
    finally:
        db.dispose()


def main() -> None:
    print(f"refreshed {refresh_areas(get_settings())} yards")


if __name__ == "__main__":
    main()
