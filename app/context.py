"""What one SafeYard process builds once and hands to every route and command.

``create_app`` and the ``safeyard`` command build one ``AppContext`` with ``build_context``;
routes receive it (or one of its parts) through the ``Annotated`` dependencies of
``app.channels.web.context``. Nothing is added to it later: every cache is made here, empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.accounts import security
from app.areas.kept import AreaKeeper
from app.checklists.loader import ChecklistRegistry, load_registry
from app.districts.service import load_area_index
from app.geo.locator import AreaIndex
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.health import DatabaseProbe
from app.platform.pdf.renderer import PdfRenderer


@dataclass(eq=False)
class AppContext:
    settings: Settings
    db: Database
    checklists: ChecklistRegistry
    # The session cookies' and upload tokens' signing key.
    secret_key: str
    pdf: PdfRenderer
    # Is the database answering? (/healthz, on the event loop with a connection of its own.)
    health: DatabaseProbe
    area_keeper: AreaKeeper = field(default_factory=AreaKeeper)
    # Which district and micro-district a point falls in: read from the database at start-up
    # (``load_areas``); None until district boundaries are imported.
    areas: AreaIndex | None = None

    def load_areas(self) -> AreaIndex | None:
        """Read the district boundaries (at start-up, after the migrations)."""
        with self.db.session() as session:
            self.areas = load_area_index(session)
        return self.areas


def build_context(settings: Settings) -> AppContext:
    """The context of one process. A broken checklist file fails here, naming the file."""
    db = Database(
        settings.database_url,
        lock_timeout_s=settings.database_lock_timeout_s,
        max_waiting_writers=settings.database_max_waiting_writers,
    )
    return AppContext(
        settings=settings,
        db=db,
        checklists=load_registry(settings.checklist_dir),
        secret_key=security.secret_key(settings),
        pdf=PdfRenderer(settings),
        health=DatabaseProbe(settings.database_url, engine=db.engine),
    )
