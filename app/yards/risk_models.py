"""A yard's current risk, kept current on every submission: the one source its page, report,
API and the maps read (none of them scans submissions)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn

# The checklist's sections, each also a float column (``section_<id>``) beside the JSON:
# area figures average them in SQL over ~20,000 rows, and reading seven values out of JSON
# per row cost ~70% of a map rebuild on SQLite. A section not listed here (a later checklist
# version) is still in ``section_risk`` and the area figures read it from there.
SECTION_COLUMNS = (
    "lighting",
    "sightlines",
    "parking",
    "access",
    "maintenance",
    "technical",
    "social",
)


def section_column(section: str) -> str:
    return f"section_{section}"


def section_columns(section_risk: dict[str, Any]) -> dict[str, float | None]:
    """The float columns' values for a row whose ``section_risk`` is given."""
    return {section_column(s): section_risk.get(s) for s in SECTION_COLUMNS}


class YardRisk(SQLModel, table=True):
    __tablename__ = "yard_risk"

    yard_id: int = Field(primary_key=True, foreign_key="yard.id")
    # Copied from the yard so area figures group this table alone.
    micro_district_id: str | None = Field(
        default=None, foreign_key="micro_district.id", max_length=64, index=True
    )
    district_id: str = Field(foreign_key="district.id", max_length=64, index=True)
    basis: str = Field(
        max_length=24, description="inspector_audit, residents_median, cooperative or none"
    )
    risk_index: float | None = None
    band: str | None = Field(default=None, max_length=16)
    completeness: float | None = None
    section_risk: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False)
    )
    section_lighting: float | None = None
    section_sightlines: float | None = None
    section_parking: float | None = None
    section_access: float | None = None
    section_maintenance: float | None = None
    section_technical: float | None = None
    section_social: float | None = None
    residents: int = Field(default=0, description="Resident submissions in the window.")
    cooperatives: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="The housing cooperative's submissions in the window (apart from residents).",
    )
    cooperative_index: float | None = Field(
        default=None, description="The cooperative's own consensus, scored."
    )
    inspector_audits: int = Field(default=0, description="Inspector audits in the window.")
    last_audit_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_submission_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    residents_index: float | None = Field(default=None, description="Residents' consensus, scored.")
    inspector_index: float | None = Field(default=None, description="The latest audit's index.")
    # |residents - inspector| over the items both answered.
    disagreement: float | None = None
    disagrees: bool = Field(default=False)
    ops_centre: bool = Field(default=False, description="Cameras linked to the police centre.")
    panic_button: bool = Field(default=False)
    window_days: int
    # The consensus the figures were scored from, so a yard's page, report and API explain
    # them (factors, fix plan) from this row alone. None: no consensus, or a row kept before
    # these columns existed (rebuilt by the next submission or refresh).
    checklist_version: str | None = Field(default=None, max_length=16)
    answers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False, server_default="{}")
    )
    # Items whose consensus lies between two options (an even count): item id -> risk.
    item_risk: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False, server_default="{}")
    )
    # The figure's 80% interval; None when it rests on fewer than two checks.
    risk_low: float | None = None
    risk_high: float | None = None
    # Indexed: the newest updated_at tells area caches that a yard's row changed.
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
