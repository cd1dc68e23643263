"""Move every yard's 180-day window: ``python -m app.areas.refresh``.

Each submission keeps its yard's ``yard_risk`` row current (the intake); this only moves the
window with time, so figures change without new submissions (an audit ages out, a yard stops
counting as audited). Until it runs, a yard whose oldest submission has just left the window
keeps its previous figure. Run this daily, e.g. from cron.
"""

from __future__ import annotations

from app.checklists.loader import load_registry
from app.platform.config import Settings, get_settings
from app.platform.db import Database
from app.submissions.yard_risk import refresh_all_yard_risks


def refresh_areas(settings: Settings) -> int:
    """Move every yard's window to now, in one transaction; returns the number of yards."""
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
