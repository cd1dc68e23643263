"""The scored yards as GeoJSON features for the inspectors' export (``yards.geojson``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.scope import Scope
from app.areas.figures import rounded
from app.platform.db import table_of
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)


def yard_features(session: Session, *, scope: Scope) -> Iterable[dict[str, Any]]:
    """Yards with a current score in ``scope`` as GeoJSON features: no personal data (no
    comments, no submission ids, no addresses), coordinates rounded to 4 decimals (~10 m)."""
    query = (
        select(
            _YARD.c.id,
            _YARD.c.lat,
            _YARD.c.lon,
            _YARD_RISK.c.micro_district_id,
            _YARD_RISK.c.district_id,
            _YARD_RISK.c.basis,
            _YARD_RISK.c.risk_index,
            _YARD_RISK.c.band,
            _YARD_RISK.c.completeness,
            _YARD_RISK.c.section_risk,
            _YARD_RISK.c.residents,
            _YARD_RISK.c.inspector_audits,
            _YARD_RISK.c.disagrees,
        )
        .join(_YARD_RISK, _YARD_RISK.c.yard_id == _YARD.c.id)
        .where(_YARD_RISK.c.risk_index.is_not(None))
        .order_by(_YARD.c.id)
    )
    rows = session.execute(
        scope.filter(
            query,
            district_column=_YARD_RISK.c.district_id,
            micro_district_column=_YARD_RISK.c.micro_district_id,
            yard_column=_YARD.c.id,
        )
    ).all()
    for r in rows:
        yield {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 4), round(r.lat, 4)]},
            "properties": {
                "yard_id": r.id,
                "micro_district_id": r.micro_district_id,
                "district_id": r.district_id,
                "basis": r.basis,
                "risk_index": rounded(r.risk_index),
                "band": r.band,
                "completeness": rounded(r.completeness, 3),
                "section_risk": {k: rounded(v) for k, v in (r.section_risk or {}).items()},
                "residents": r.residents,
                "inspector_audits": r.inspector_audits,
                "disagreement_flag": bool(r.disagrees),
            },
        }
