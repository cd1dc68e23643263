"""The demo's synthetic offences, made from a planted relationship with the index.

Nothing here is registered crime. Every area (micro-district) gets offences in the 12 months
before and the 12 months after a cut-off ``as_of``, drawn from a negative binomial whose mean is

    residents / 10,000 x base rate x district effect x rate_ratio ** ((risk - centre) / 10)

where ``risk`` is the area's index from its audits before the cut-off, exactly as the
validation reads it (``app.validation.dataset``), and ``centre`` the mean of the audited areas'
risks (an area without an audit gets the centre: no tilt). Residents are the estimate of
``app.offences.population``. The area's over-dispersion (a gamma frailty) is shared by both
years, so last year's offences predict next year's as they do in real cities. Fraud (art. 190,
the validation's negative control) is drawn on its own, tracking the index only when
``control_rate_ratio_per_10`` says so (the tests' "flagged" world). See docs/VALIDATION.md,
"The demo's synthetic offences".
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlmodel import Session

from app.areas.trend import ALMATY
from app.districts.models import District, MicroDistrict
from app.offences import population as population_service
from app.offences import service as offences_service
from app.offences.models import OffenceImport
from app.offences.schemas import OffenceRecord
from app.platform.db import Database, table_of
from app.validation import service as validation_service
from app.validation.dataset import (
    CONTROL_ARTICLE,
    WINDOW_MONTHS,
    Windows,
    add_months,
    build_area_data,
)

# Registered criminal offences per 10,000 residents a year. Almaty registered 24,965 crimes in
# 2024 (the Committee on Legal Statistics, 18.8% of the country's 132,778) over the ~2.16
# million residents of its 8 districts: ~115. Early 2023 ran at 134 (Kazinform, 30.03.2023).
BASE_RATE_PER_10K = 115.0
# Fraud's share of registered crime: 34% in the country in 2024 (mostly on the internet).
FRAUD_SHARE = 0.34
# The other offences, by share among them (a simplified mix after the 2024 structure: theft
# 23% and drugs 6.3% of all crime, robbery and hooliganism 1.2% each), with the severity the
# map's hard_code gives (1 minor, 2 medium, 3 grave, 4 especially grave) for the usual part.
# The Criminal Code of the Republic of Kazakhstan (2014): 188 theft, 187 petty theft, 191
# robbery (грабёж), 192 armed robbery (разбой), 200 taking a car without intent to steal it,
# 202 damage to property, 293 hooliganism, 106/107/108 grave/medium/light bodily harm,
# 296 drugs without intent to sell, 99 murder.
ARTICLES: tuple[tuple[str, float, int], ...] = (
    ("188", 0.52, 2),
    ("187", 0.08, 1),
    ("296", 0.11, 2),
    ("108", 0.07, 1),
    ("202", 0.05, 1),
    ("107", 0.025, 2),
    ("200", 0.025, 2),
    ("191", 0.025, 2),
    ("293", 0.025, 2),
    ("192", 0.007, 3),
    ("106", 0.007, 3),
    ("99", 0.006, 4),
)
FRAUD_SEVERITY = 2
# Negative binomial dispersion (variance = mean + ALPHA x mean²) of an area's yearly count:
# areas of one district differ well beyond Poisson in every city's data.
DISPERSION = 0.3
# The SD of the districts' log rate: district effects the model absorbs with its fixed effects.
DISTRICT_SD = 0.2
RATE_RATIO_PER_10 = 1.35
FILE_FORMAT = "synthetic"
_AREA = table_of(MicroDistrict)
_DISTRICT = table_of(District)
_IMPORT = table_of(OffenceImport)


def source_label(*, rate_ratio_per_10: float, seed: int) -> str:
    """The import's source, which every page naming the offences' source prints."""
    return (
        f"SafeYard demo: synthetic offences (planted rate ratio {rate_ratio_per_10:g} per 10 "
        f"points, seed {seed}) — not registered crime"
    )


@dataclass(frozen=True)
class _Area:
    id: str
    district_id: str
    residents: float
    risk: float | None
    shape: BaseGeometry


def _areas(session: Session, *, as_of: date, only: Collection[str] | None) -> list[_Area]:
    """Every area with residents (or those of ``only``), its district, risk and polygon
    (its part inside its district: an edge cell keeps its whole hexagon)."""
    people = population_service.area_population(session)
    data = build_area_data(session, as_of=as_of)
    risk = {
        a: float(r)
        for a, r, n in zip(data.area_ids, data.risk, data.audited_yards, strict=True)
        if n > 0 and math.isfinite(r)
    }
    districts = {
        row.id: shape(json.loads(row.geometry))
        for row in session.execute(select(_DISTRICT.c.id, _DISTRICT.c.geometry))
    }
    wanted = set(only) if only is not None else None
    out = []
    rows = session.execute(select(_AREA.c.id, _AREA.c.geometry).order_by(_AREA.c.id))
    for area_id, geometry in rows:
        person = people.get(area_id)
        if person is None or person.residents <= 0:
            continue
        if wanted is not None and area_id not in wanted:
            continue
        inside = shape(json.loads(geometry)).intersection(districts[person.district_id])
        if inside.is_empty:
            continue
        out.append(_Area(area_id, person.district_id, person.residents, risk.get(area_id), inside))
    return out


def _points(rng: np.random.Generator, polygon: BaseGeometry, n: int) -> list[tuple[float, float]]:
    """``n`` points uniformly inside ``polygon`` (lon, lat), by rejection from its bounds."""
    west, south, east, north = polygon.bounds
    found: list[tuple[float, float]] = []
    while len(found) < n:
        lon = rng.uniform(west, east, size=2 * (n - len(found)) + 8)
        lat = rng.uniform(south, north, size=lon.size)
        keep = shapely.contains_xy(polygon, lon, lat)
        found.extend(zip(lon[keep].tolist(), lat[keep].tolist(), strict=True))
    return found[:n]


def _frailty(rng: np.random.Generator, size: int, dispersion: float) -> np.ndarray:
    """Gamma multipliers with mean 1 and variance ``dispersion``: Poisson counts around them
    are negative binomial with that dispersion."""
    if dispersion <= 0:
        return np.ones(size)
    return rng.gamma(shape=1.0 / dispersion, scale=dispersion, size=size)


def generate_offences(
    session: Session,
    *,
    seed: int,
    as_of: date,
    rate_ratio_per_10: float = RATE_RATIO_PER_10,
    control_rate_ratio_per_10: float = 1.0,
    base_rate_per_10k: float = BASE_RATE_PER_10K,
    dispersion: float = DISPERSION,
    district_sd: float = DISTRICT_SD,
    area_ids: Collection[str] | None = None,
) -> OffenceImport:
    """Synthetic offences for every area with residents (or those of ``area_ids``) in the 12
    months before and the 12 months after ``as_of``, stored through ``store_offences`` as
    one synthetic import. The same seed on the same data makes the same offences (stored
    once). ``control_rate_ratio_per_10`` other than 1 makes fraud track the index too."""
    rng = np.random.default_rng(seed)
    areas = _areas(session, as_of=as_of, only=area_ids)
    known = [a.risk for a in areas if a.risk is not None]
    centre = float(np.mean(known)) if known else 50.0
    tilt = np.array([((a.risk if a.risk is not None else centre) - centre) / 10 for a in areas])
    district_ids = sorted({a.district_id for a in areas})
    effect = dict(zip(district_ids, rng.normal(0.0, district_sd, len(district_ids)), strict=True))
    per_year = (
        np.array([a.residents for a in areas])
        / 10_000
        * base_rate_per_10k
        * np.exp([effect[a.district_id] for a in areas])
    )
    other_mean = per_year * (1 - FRAUD_SHARE) * rate_ratio_per_10**tilt
    fraud_mean = per_year * FRAUD_SHARE * control_rate_ratio_per_10**tilt
    # One frailty per area for both years: a high-crime area stays one.
    other_frailty = _frailty(rng, len(areas), dispersion)
    fraud_frailty = _frailty(rng, len(areas), dispersion)
    windows = Windows.of(as_of)
    shares = np.array([share for _, share, _ in ARTICLES])
    shares = shares / shares.sum()

    parameters = {
        "seed": seed,
        "as_of": as_of.isoformat(),
        "rate_ratio_per_10": rate_ratio_per_10,
        "control_rate_ratio_per_10": control_rate_ratio_per_10,
        "base_rate_per_10k": base_rate_per_10k,
        "dispersion": dispersion,
        "district_sd": district_sd,
        "areas": [a.id for a in areas],
    }
    # In the records' ids: two worlds of one seed never share a record.
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
    records: list[OffenceRecord] = []
    for start, end in (windows.before, windows.outcome):
        days = (end - start).days
        others = rng.poisson(other_mean * other_frailty)
        frauds = rng.poisson(fraud_mean * fraud_frailty)
        for n, area in enumerate(areas):
            kinds = rng.multinomial(others[n], shares)
            plan = [(CONTROL_ARTICLE, FRAUD_SEVERITY)] * int(frauds[n])
            for (article, _, severity), count in zip(ARTICLES, kinds, strict=True):
                plan.extend([(article, severity)] * int(count))
            points = _points(rng, area.shape, len(plan))
            offsets = rng.integers(0, days, size=len(plan))
            for (article, severity), (lon, lat), offset in zip(plan, points, offsets, strict=True):
                records.append(
                    OffenceRecord(
                        occurred_on=start + timedelta(days=int(offset)),
                        article=article,
                        lat=round(lat, 6),
                        lon=round(lon, 6),
                        source_id=f"{digest[:12]}-{len(records)}",
                        severity=severity,
                        district_id=area.district_id,
                        micro_district_id=area.id,
                    )
                )
    return offences_service.store_offences(
        session,
        records=records,
        source=source_label(rate_ratio_per_10=rate_ratio_per_10, seed=seed),
        file_name=f"synthetic-offences-seed{seed}-{as_of.isoformat()}.json",
        file_format=FILE_FORMAT,
        file_sha256=digest,
        synthetic=True,
    )


@dataclass(frozen=True)
class DemoEvidence:
    """What the demo load did: offences newly stored, the validation run (None: why not)."""

    offences: int
    as_of: date
    run_id: int | None
    note: str | None = None


def demo_cut_off(today: date | None = None) -> date:
    """The demo's cut-off: 12 months before today (Almaty), so the outcome window is the past
    year, complete, and the demo's audit campaign lies in the year before it."""
    day = today or datetime.now(ALMATY).date()
    return add_months(day, -WINDOW_MONTHS)


def load_demo_offences(
    db: Database, *, seed: int, as_of: date, rate_ratio_per_10: float = RATE_RATIO_PER_10
) -> DemoEvidence:
    """The demo's synthetic offences and one validation run on them, in one transaction;
    nothing when the demo's offences are stored already (running the demo again)."""
    source = source_label(rate_ratio_per_10=rate_ratio_per_10, seed=seed)
    with db.write_session() as session:
        stored = session.execute(
            select(_IMPORT.c.id).where(_IMPORT.c.source == source, _IMPORT.c.synthetic.is_(True))
        ).first()
        if stored is not None:
            return DemoEvidence(0, as_of, None, "the demo's offences were stored already")
        batch = generate_offences(
            session, seed=seed, as_of=as_of, rate_ratio_per_10=rate_ratio_per_10
        )
        try:
            run = validation_service.run_validation(session, as_of=as_of, seed=seed)
        except validation_service.NothingToValidate as exc:
            return DemoEvidence(batch.rows_new, as_of, None, exc.message)
        return DemoEvidence(batch.rows_new, as_of, run.id)
