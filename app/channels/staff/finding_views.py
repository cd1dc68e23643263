"""Findings as the cooperative's and the body's pages show them: the item and what the
checklist says to do in the page's language, the body, the deadline, the actions the reader
may take (``app.findings.permissions.allowed``). No submission id, no photo file name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from app.bodies.models import Body
from app.checklists.loader import ChecklistRegistry
from app.districts import naming as area_naming
from app.districts.models import District, MicroDistrict
from app.findings.listing import is_overdue
from app.findings.models import Finding, FindingState
from app.findings.permissions import Actor, allowed
from app.platform.languages import Lang
from app.platform.translations import gettext
from app.yards import naming
from app.yards.models import Yard


def state_label(state: str) -> str:
    labels: dict[str, str] = {
        FindingState.open: gettext("Found, not yet sent"),
        FindingState.sent: gettext("With the body"),
        FindingState.in_progress: gettext("The body is working on it"),
        FindingState.fix_reported: gettext("Fix reported, awaiting a check"),
        FindingState.verified: gettext("Fixed and verified"),
        FindingState.withdrawn: gettext("Withdrawn: the answers no longer fail it"),
    }
    return labels.get(state, state)


@dataclass(frozen=True)
class YardInfo:
    """A yard's place as the findings' pages show it, from trusted data only: public label
    (with its area's name), district, the place line, the point rounded to 4 decimals (~10 m)
    and its 2GIS link. Never the address its first sender typed."""

    label: str
    district: str
    spot: naming.YardPlace

    @property
    def near_html(self) -> Markup | None:
        """The place line, its OpenStreetMap name marked as Russian (as mapped)."""
        if self.spot.near is None:
            return None
        text = escape(self.spot.near)
        if not self.spot.name:
            return text
        name = escape(self.spot.name)
        return Markup(text.replace(name, Markup('<span lang="ru">%s</span>') % name))

    @property
    def lat(self) -> str:
        return f"{self.spot.lat:.4f}"

    @property
    def lon(self) -> str:
        return f"{self.spot.lon:.4f}"


@dataclass(frozen=True)
class FindingRow:
    id: int
    yard_id: int
    item_id: str
    item_label: str
    remedy: str
    body_name: str | None
    state: str
    state_label: str
    confirmed: bool
    confirmed_at: datetime | None
    deadline_at: datetime | None
    overdue: bool
    reference: str | None
    fix_date: datetime | None
    fix_note: str | None
    has_photo: bool
    verified_at: datetime | None
    reaudit_requested_at: datetime | None
    actions: frozenset[str] = field(default_factory=frozenset)
    yard: YardInfo | None = None


def item_texts(
    registry: ChecklistRegistry, *, version: str, item_id: str, lang: Lang
) -> tuple[str, str]:
    """The item's question and remedy in ``lang``, from the finding's checklist version (the
    current one when that version is gone); the item id when no version knows it."""
    for loaded in (registry.get(version), registry.current):
        item = loaded.checklist.item(item_id) if loaded is not None else None
        if item is not None:
            return item.question.get(lang), item.remedy.get(lang) if item.remedy else ""
    return item_id, ""


def body_names(session: Session, body_ids: Iterable[str | None], lang: Lang) -> dict[str, str]:
    ids = sorted({b for b in body_ids if b})
    if not ids:
        return {}
    bodies = session.exec(select(Body).where(col(Body.id).in_(ids)))
    return {b.id: body_name(b, lang) for b in bodies}


def body_name(body: Body, lang: Lang) -> str:
    if lang == "kk" and body.name_kk:
        return body.name_kk
    if lang == "en" and body.name_en:
        return body.name_en
    return body.name


def yard_infos(session: Session, yard_ids: Iterable[int], lang: Lang) -> dict[int, YardInfo]:
    """Each yard's place and public label, for the rows of a list."""
    ids = sorted(set(yard_ids))
    if not ids:
        return {}
    yards = list(session.exec(select(Yard).where(col(Yard.id).in_(ids))))
    districts = {
        d.id: d.name(lang)
        for d in session.exec(
            select(District).where(col(District.id).in_({y.district_id for y in yards}))
        )
    }
    micro_ids = {y.micro_district_id for y in yards if y.micro_district_id}
    areas = {
        m.id: area_naming.area_name(m, lang)
        for m in session.exec(select(MicroDistrict).where(col(MicroDistrict.id).in_(micro_ids)))
    }
    found: dict[int, YardInfo] = {}
    for yard in yards:
        assert yard.id is not None
        district = districts.get(yard.district_id, yard.district_id)
        label = naming.public_label(
            yard_id=yard.id,
            public_name=yard.public_name,
            district_name=district,
            micro_district_id=yard.micro_district_id,
            area_name=areas.get(yard.micro_district_id or ""),
        )
        spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
        found[yard.id] = YardInfo(label=label, district=district, spot=spot)
    return found


def finding_rows(
    session: Session,
    findings: Sequence[Finding],
    *,
    actor: Actor,
    registry: ChecklistRegistry,
    lang: Lang,
    now: datetime,
    with_yards: bool = False,
) -> list[FindingRow]:
    """The rows of ``findings``, in their order."""
    bodies = body_names(session, (f.body_id for f in findings), lang)
    yards = yard_infos(session, (f.yard_id for f in findings), lang) if with_yards else {}
    rows = []
    for finding in findings:
        assert finding.id is not None
        label, remedy = item_texts(
            registry, version=finding.checklist_version, item_id=finding.item_id, lang=lang
        )
        rows.append(
            FindingRow(
                id=finding.id,
                yard_id=finding.yard_id,
                item_id=finding.item_id,
                item_label=label,
                remedy=remedy,
                body_name=bodies.get(finding.body_id or ""),
                state=finding.state,
                state_label=state_label(finding.state),
                confirmed=finding.confirmed,
                confirmed_at=finding.confirmed_at,
                deadline_at=finding.deadline_at,
                overdue=is_overdue(finding, now=now),
                reference=finding.reference,
                fix_date=finding.fix_date,
                fix_note=finding.fix_note,
                has_photo=bool(finding.fix_photo),
                verified_at=finding.verified_at,
                reaudit_requested_at=finding.reaudit_requested_at,
                actions=frozenset(a.value for a in allowed(actor, finding)),
                yard=yards.get(finding.yard_id),
            )
        )
    return rows
