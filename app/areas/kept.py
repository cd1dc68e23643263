"""What one process keeps of the area figures between requests: ``AreaKeeper``."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session

from app.areas import monthly
from app.areas.gzip_parts import GzipParts
from app.areas.month_cache import MonthCache
from app.areas.service import KeptSums
from app.areas.shapes import AreaShapes, area_name, load_area_shapes
from app.areas.yard_points import KeptYardPoints
from app.platform.body_cache import BodyCache
from app.platform.config import Settings
from app.platform.translations import current_lang

# On PostgreSQL two submissions may commit in the other order than they stamped updated_at,
# so a body built between the two commits would not see the state change: bodies are also
# rebuilt after this many seconds.
BODY_MAX_AGE_S = 60.0

# (language, section, micro-district id) -> ((figures as shown, name), geometry text, feature
# text) of the map's features last built: most areas' shown figures survive a submission.
FeatureTexts = dict[tuple[str, str | None, str], tuple[tuple[Any, str], str, str]]


class AreaKeeper:
    """Micro-district outlines, per-area sums, month figures and built map bodies of one
    process. Made once with the application context; the outlines are read on first use
    (restart after an import of new micro-districts)."""

    def __init__(self) -> None:
        self.months = MonthCache()
        self.bodies = BodyCache(max_age_s=BODY_MAX_AGE_S)
        self.feature_texts: FeatureTexts = {}
        # The map's features compressed ~64 at a time (see gzip_parts).
        self.gzip_parts = GzipParts()
        # Every scored yard's point and risk, for the map's yards and clusters in a box.
        self.yard_points = KeptYardPoints()
        self._shapes: AreaShapes | None = None
        self._geometry_json: dict[str, str] | None = None
        self._sums: dict[tuple[str, tuple[str, ...]], KeptSums] = {}
        # Per language: (outlines, district names, each micro-district's name).
        self._names: dict[str, tuple[AreaShapes, dict[str, str], dict[str, str]]] = {}
        # The outlines, and whether a cell of them has no name of its own.
        self._unnamed: tuple[AreaShapes, bool] | None = None
        self._lock = threading.Lock()

    def shapes(self, session: Session) -> AreaShapes:
        """The outlines and neighbours, read once per process."""
        if self._shapes is None:
            with self._lock:
                if self._shapes is None:
                    self._shapes = load_area_shapes(session)
                    # Everything alive now (the app, the outlines' hundreds of thousands of
                    # coordinates) lives as long as the process: out of the cyclic collector's
                    # full passes, which otherwise walked it all while a map was built
                    # (measured: 5x the build's time).
                    gc.freeze()
        return self._shapes

    def sums(self, area_column: str, sections: tuple[str, ...]) -> KeptSums:
        """This process's per-area sums of one area level (see ``KeptSums``)."""
        key = (area_column, sections)
        with self._lock:
            if key not in self._sums:
                self._sums[key] = KeptSums(area_column, sections)
            return self._sums[key]

    def area_names(
        self, shapes: AreaShapes, district_names: Callable[[], Mapping[str, str]]
    ) -> dict[str, str]:
        """Each micro-district's ``area_name`` in the request's language, made again only
        when the district names it reads change (a map rebuild named every cell anew).
        ``district_names`` is read only when a cell has no name of its own, so a renamed
        district shows at once; imported names (every cell of Almaty's) never change."""
        lang = current_lang.get()
        if self._unnamed is None or self._unnamed[0] is not shapes:
            self._unnamed = (shapes, any(not s.name for s in shapes.micro_districts.values()))
        districts = dict(district_names()) if self._unnamed[1] else {}
        kept = self._names.get(lang)
        if kept is not None and kept[0] is shapes and kept[1] == districts:
            return kept[2]
        names = {s.id: area_name(s, districts) for s in shapes.micro_districts.values()}
        self._names[lang] = (shapes, districts, names)
        return names

    def monthly_summary(
        self,
        session: Session,
        *,
        district_id: str,
        month: str,
        settings: Settings,
        shapes: AreaShapes,
        sections: tuple[str, ...],
    ) -> monthly.MonthlySummary:
        """A district's month, with the month figures and sums this process keeps."""
        return monthly.monthly_summary(
            session,
            district_id=district_id,
            month=month,
            settings=settings,
            shapes=shapes,
            cache=self.months,
            micro_kept=self.sums("micro_district_id", sections),
            district_kept=self.sums("district_id", sections),
        )

    def geometry_json(self, shapes: AreaShapes, dump: Any) -> dict[str, str]:
        """Each micro-district's geometry as JSON text, coordinates to 6 decimals (~0.1 m),
        made once: most of the map's bytes, and they never change."""
        if self._geometry_json is None:
            self._geometry_json = {
                shape.id: dump(
                    {
                        "type": shape.geometry["type"],
                        "coordinates": _rounded(shape.geometry["coordinates"], 6),
                    }
                ).decode()
                for shape in shapes.micro_districts.values()
            }
        return self._geometry_json


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value
