"""Running a validation: the data set at a cut-off, the statistics (``app.evidence``) and the
stored run whose ``result`` the report files and the evidence panel render."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.evidence.evaluate import evaluate
from app.offences import queries as offence_queries
from app.offences.queries import OffenceCoverage
from app.platform.errors import AppError
from app.validation import dataset as dataset_service
from app.validation.dataset import CONTROL_ARTICLE, Dataset
from app.validation.models import ValidationRun

# The area figures' line (SAFEYARD_AREA_MIN_AUDITED's default): fewer audited yards than
# this and an area's mean says too little to rank it.
MIN_AUDITED = 3


class NothingToValidate(AppError):
    """The data a validation needs are not stored; the message says what to load."""

    status_code = 409
    code = "nothing_to_validate"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def data_section(found: Dataset, coverage: OffenceCoverage) -> dict[str, Any]:
    """What the figures rest on, in plain JSON: the windows, the offences' source and dates,
    the audits, the areas used and left out, how residents were estimated."""
    windows = found.windows
    data = found.data
    outcome_end = windows.outcome[1]
    return {
        "as_of": windows.as_of.isoformat(),
        "windows": {
            "outcome": [windows.outcome[0].isoformat(), outcome_end.isoformat()],
            "before": [windows.before[0].isoformat(), windows.before[1].isoformat()],
            "end_exclusive": True,
        },
        "offences": {
            "sources": list(coverage.sources),
            "date_from": _iso(coverage.date_from),
            "date_to": _iso(coverage.date_to),
            "total_stored": coverage.total,
            "synthetic": coverage.synthetic,
            "last_import_at": coverage.last_import_at.isoformat()
            if coverage.last_import_at
            else None,
            # Days of the outcome window after the last stored offence: counts there are
            # missing for every area alike (ranks hold, totals shrink).
            "outcome_covered": coverage.date_to is not None
            and (outcome_end - coverage.date_to).days <= 1,
            "before_covered": coverage.date_from is not None
            and coverage.date_from <= windows.before[0],
            "control_article": CONTROL_ARTICLE,
            "outcome_city_wide": found.offences_outcome_all,
            "before_city_wide": found.offences_before_all,
            "control_city_wide": found.control_all,
            "outcome_in_areas_given": int(data.offences.sum()),
        },
        "audits": {
            "role": dataset_service.AUDIT_ROLE,
            "yards": found.audits_used,
            "yards_outside_areas": found.audits_outside_areas,
            "first": _iso(found.first_audit),
            "last": _iso(found.last_audit),
            "synthetic": found.audits_synthetic,
        },
        "areas": {
            "known": found.areas_known,
            "with_audits": found.areas_with_audits,
            "given": data.n_areas,
            "left_out_no_population": found.left_out_no_population,
            "left_out_no_audit": max(found.areas_known - found.areas_with_audits, 0),
        },
        "population": {
            "method": "district population shared by named street length (estimate)",
            "methods": found.population_methods,
        },
        "synthetic": data.synthetic,
    }


def run_validation(
    session: Session,
    *,
    as_of: date | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    min_audited: int = MIN_AUDITED,
) -> ValidationRun:
    """Validate the index at the cut-off ``as_of`` (default: ``default_as_of``) and store the
    run (flushed, not committed). Raises ``NothingToValidate`` when no offences or no audits
    before the cut-off are stored, or no cut-off has 12 months of offences after it."""
    coverage = offence_queries.coverage(session)
    if coverage.empty:
        raise NothingToValidate(
            "No registered offences are stored: import them first with "
            "'safeyard import-offences FILE' (docs/VALIDATION.md)."
        )
    if not dataset_service.first_audit_before(session):
        raise NothingToValidate(
            "No inspector audits are stored: the index is validated on inspectors' audits "
            "only (residents' checks do not count), so audit yards first."
        )
    if as_of is None:
        as_of = dataset_service.default_as_of(session)
        if as_of is None:
            raise NothingToValidate(
                f"The stored offences ({_iso(coverage.date_from)} to {_iso(coverage.date_to)}) "
                "do not cover the 12 months after any inspector audit: import a later year of "
                "offences, or give --as-of to validate on a shorter window."
            )
    if not dataset_service.first_audit_before(session, as_of):
        raise NothingToValidate(
            f"No inspector audit was received before {as_of.isoformat()}: the index is "
            "validated only on audits made before the offences it is held against."
        )
    found = dataset_service.build_dataset(session, as_of=as_of)
    evaluation = evaluate(found.data, seed=seed, n_boot=n_boot, min_audited=min_audited)
    result = evaluation.as_dict()
    result["data"] = data_section(found, coverage)
    run = ValidationRun(
        synthetic=found.data.synthetic,
        method_version=str(result.get("method_version", "")),
        result=result,
    )
    session.add(run)
    session.flush()
    return run


def latest_run(session: Session) -> ValidationRun | None:
    """The newest stored run, or None."""
    return session.execute(
        select(ValidationRun)
        .order_by(ValidationRun.created_at.desc(), ValidationRun.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(1)
    ).scalar_one_or_none()
