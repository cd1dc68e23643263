"""Every scored yard's point and current risk, kept in memory by each process for the map.

The inspectors' map asks for the yards in a box at every pan and zoom; at city scale (20,000
yards) a GROUP BY over the joined yard tables took 100-300 ms on SQLite, so each process
keeps the ``yard_risk`` rows' few map columns as arrays and answers boxes from them. They are
brought up to date the way ``KeptSums`` keeps the area sums: by the tables' state (two counts
and the newest ``updated_at``), re-reading only the rows stamped since the last read (each
submission rewrites its yard's row); anything else, or ``max_age_s``, re-reads them all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from app.areas.sums import CHANGE_MARGIN_S, table_state
from app.platform.db import table_of
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
_COLUMNS = (
    _YARD.c.id,
    _YARD.c.lat,
    _YARD.c.lon,
    _YARD_RISK.c.micro_district_id,
    _YARD_RISK.c.district_id,
    _YARD_RISK.c.risk_index,
    _YARD_RISK.c.band,
    _YARD_RISK.c.basis,
)


@dataclass(frozen=True)
class YardPoints:
    """One consistent snapshot, never changed once made (an update makes a new one).

    Arrays by position: ``ids``, ``lat``, ``lon``, ``risk`` (NaN: no current risk),
    ``micro`` and ``district`` (codes into ``micro_names`` / ``district_names``; -1: no
    micro-district); ``band`` and ``basis`` as lists, and ``rounded``: (lon, lat) to 5
    decimals and the risk to 0.1 (None: none), rounded once here, as the yard markers show
    them (a ``round`` per value on every request cost more than finding the yards)."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    risk: np.ndarray
    micro: np.ndarray
    district: np.ndarray
    band: list[str | None]
    basis: list[str | None]
    rounded: list[tuple[float, float, float | None]]
    micro_names: list[str]
    district_names: list[str]

    def codes(self, names: Iterable[str], *, micro: bool) -> np.ndarray:
        """The codes of these area ids (ids never seen are left out)."""
        known = self.micro_names if micro else self.district_names
        index = {name: code for code, name in enumerate(known)}
        return np.array([index[n] for n in names if n in index], dtype=np.int32)


class _Codes:
    """Area id <-> small integer, growing only (old snapshots keep valid codes)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, name: str | None) -> int:
        if name is None:
            return -1
        found = self._index.get(name)
        if found is None:
            found = self._index[name] = len(self.names)
            self.names.append(name)
        return found


class KeptYardPoints:
    """This process's ``YardPoints``, brought up to date on each ``current`` call."""

    def __init__(self, *, max_age_s: float = 300.0) -> None:
        self.max_age_s = max_age_s
        self._points: YardPoints | None = None
        self._state: tuple[int, int, datetime | None] | None = None
        self._read_at = 0.0
        self._position: dict[int, int] = {}  # yard id -> its place in the arrays
        self._micro = _Codes()
        self._districts = _Codes()
        self._lock = threading.Lock()

    def current(self, session: Session) -> YardPoints:
        """The yards' points as the tables stand now (one small state query when unchanged)."""
        state = table_state(session)
        with self._lock:
            old, points = self._state, self._points
            if points is not None and old == state:
                return points
            if (
                points is None
                or old is None
                or old[2] is None
                or state[2] is None
                or state[1] < old[1]
                or time.monotonic() - self._read_at > self.max_age_s
            ):
                points = self._build(session.execute(select(*_COLUMNS).join(_YARD_RISK)).all())
                self._position = dict(zip(points.ids.tolist(), range(len(points.ids)), strict=True))
                self._read_at = time.monotonic()
            else:
                sqlite = session.get_bind().dialect.name == "sqlite"
                since = old[2] - timedelta(seconds=0.0 if sqlite else CHANGE_MARGIN_S)
                # The changed ids first, from the updated_at index alone: joined, SQLite's
                # planner scanned all 20,000 yards (60 ms) instead.
                ids = session.execute(
                    select(_YARD_RISK.c.yard_id).where(_YARD_RISK.c.updated_at >= since)
                ).scalars()
                changed = session.execute(
                    select(*_COLUMNS).join(_YARD_RISK).where(_YARD.c.id.in_(list(ids)))
                ).all()
                points = self._update(points, changed)
            self._points, self._state = points, state
            return points

    def _build(self, rows: Sequence[Any]) -> YardPoints:
        return YardPoints(
            ids=np.array([r.id for r in rows], dtype=np.int64),
            lat=np.array([r.lat for r in rows], dtype=np.float64),
            lon=np.array([r.lon for r in rows], dtype=np.float64),
            risk=np.array([np.nan if r.risk_index is None else r.risk_index for r in rows]),
            micro=np.array([self._micro.code(r.micro_district_id) for r in rows], dtype=np.int32),
            district=np.array([self._districts.code(r.district_id) for r in rows], dtype=np.int32),
            band=[r.band for r in rows],
            basis=[r.basis for r in rows],
            rounded=[_rounded(r) for r in rows],
            micro_names=self._micro.names,
            district_names=self._districts.names,
        )

    def _update(self, points: YardPoints, rows: Sequence[Any]) -> YardPoints:
        """A new snapshot with ``rows`` replacing their yards' entries (or added)."""
        position = self._position
        fresh = [r for r in rows if r.id not in position]
        if fresh:
            points = _concat(points, self._build(fresh))
            position.update({r.id: len(points.ids) - len(fresh) + n for n, r in enumerate(fresh)})
        ids, lat, lon = points.ids.copy(), points.lat.copy(), points.lon.copy()
        risk, micro, district = points.risk.copy(), points.micro.copy(), points.district.copy()
        band, basis, rounded = list(points.band), list(points.basis), list(points.rounded)
        for r in rows:
            n = position[r.id]
            lat[n], lon[n] = r.lat, r.lon
            risk[n] = np.nan if r.risk_index is None else r.risk_index
            micro[n] = self._micro.code(r.micro_district_id)
            district[n] = self._districts.code(r.district_id)
            band[n], basis[n], rounded[n] = r.band, r.basis, _rounded(r)
        return YardPoints(
            ids, lat, lon, risk, micro, district, band, basis, rounded, self._micro.names,
            self._districts.names,
        )  # fmt: skip


def _rounded(row: Any) -> tuple[float, float, float | None]:
    risk = None if row.risk_index is None else round(row.risk_index, 1)
    return round(row.lon, 5), round(row.lat, 5), risk


def _concat(a: YardPoints, b: YardPoints) -> YardPoints:
    return YardPoints(
        ids=np.concatenate([a.ids, b.ids]),
        lat=np.concatenate([a.lat, b.lat]),
        lon=np.concatenate([a.lon, b.lon]),
        risk=np.concatenate([a.risk, b.risk]),
        micro=np.concatenate([a.micro, b.micro]),
        district=np.concatenate([a.district, b.district]),
        band=a.band + b.band,
        basis=a.basis + b.basis,
        rounded=a.rounded + b.rounded,
        micro_names=a.micro_names,
        district_names=a.district_names,
    )
