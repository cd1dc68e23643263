"""/inspector/queue: the inspector's work queue (the yards of their scope with findings to act
on), and /inspector/yards/{id}/findings: one yard's findings. Inspectors and admins only
(others: the login page or 403); a yard outside the scope: 404. A plain GET form filters and
sorts (no JavaScript needed)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import or_, select
from sqlmodel import Session

from app.accounts.models import User
from app.accounts.scope import Scope
from app.areas import monthly
from app.bodies.models import Body
from app.channels.staff import finding_labels as labels
from app.channels.staff.inspectors import area_pdf_url, district_pdf_url
from app.channels.web.auth_deps import InspectorScope, RequireInspector
from app.channels.web.formatting import Formatter
from app.districts.models import District
from app.findings import finding_view
from app.findings import queue as queue_service
from app.findings.models import FindingState
from app.platform import translations
from app.platform.db import SessionDep, parse_row_id
from app.platform.errors import NotFound
from app.platform.templating import render
from app.platform.translations import gettext
from app.scoring import band_for
from app.yards.models import Yard

router = APIRouter(include_in_schema=False)

PAGE = "/inspector/queue"
FLAGS = ("overdue", "awaiting", "reaudit", "never", "mine")


def queue_url(**values: Any) -> str:
    """The queue's address with these filters (empty ones left out)."""
    kept = {k: v for k, v in values.items() if v not in (None, "", False)}
    return PAGE + (f"?{urlencode(kept)}" if kept else "")


def _filters(user: User, *, params: dict[str, str]) -> queue_service.QueueFilters:
    """The form's values; an unknown choice falls back to its default (a GET form)."""
    state = params.get("state") or ""
    sort = params.get("sort") or ""
    page = parse_row_id(params.get("page") or "") or 1
    return queue_service.QueueFilters(
        district_id=(params.get("district") or "")[:64] or None,
        micro_district_id=(params.get("area") or "")[:64] or None,
        state=FindingState(state) if state in FindingState.__members__ else None,
        body_id=(params.get("body") or "")[:64] or None,
        overdue=params.get("overdue") == "1",
        awaiting=params.get("awaiting") == "1",
        reaudit=params.get("reaudit") == "1",
        never_audited=params.get("never") == "1",
        assigned_to=user.id if params.get("mine") == "1" else None,
        sort=queue_service.QueueSort(sort)
        if sort in queue_service.QueueSort.__members__
        else queue_service.QueueSort.priority,
        page=page,
    )


def _districts(session: Session, scope: Scope, lang: str) -> list[tuple[str, str]]:
    """(id, name) of the districts the user may choose: all for the city-wide."""
    query = select(District.id, District.name_ru, District.name_kk, District.name_en)  # type: ignore[call-overload]
    if not scope.city_wide:
        query = query.where(District.id.in_(sorted(scope.district_ids)))  # type: ignore[attr-defined]
    names = []
    for row in session.execute(query.order_by(District.id)):
        names.append((row.id, {"kk": row.name_kk, "en": row.name_en}.get(lang, row.name_ru)))
    return sorted(names, key=lambda pair: pair[1])


def _bodies(session: Session, scope: Scope, district_id: str | None) -> list[Body]:
    """The bodies the queue may be filtered by: those of the district(s), and city-wide."""
    query = select(Body).where(Body.active)  # type: ignore[arg-type]
    if district_id:
        query = query.where(or_(Body.district_id == district_id, Body.district_id.is_(None)))  # type: ignore[arg-type,union-attr]
    elif not scope.city_wide:
        query = query.where(
            or_(
                Body.district_id.in_(sorted(scope.district_ids)),  # type: ignore[union-attr]
                Body.district_id.is_(None),  # type: ignore[union-attr]
            )
        )
    query = query.where(Body.kind != "cooperative").order_by(Body.district_id, Body.name)  # type: ignore[arg-type]
    return list(session.execute(query).scalars())


def _place_url(current: dict[str, Any], level: str, place_id: str) -> str:
    """The queue narrowed to one area (or, for the city-wide, one district)."""
    if level == "district":
        return queue_url(**{**current, "district": place_id, "area": None})
    return queue_url(**{**current, "area": place_id})


def _item_label(request: Request, item: queue_service.MainItem) -> str:
    return labels.item_text(request, version=item.checklist_version, item_id=item.item_id).question


@router.get(PAGE, response_class=HTMLResponse)
def queue_page(
    request: Request, session: SessionDep, user: RequireInspector, scope: InspectorScope
) -> HTMLResponse:
    """The yards to act on, filtered and sorted by the GET form, 50 to a page."""
    lang = translations.current_lang.get()
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    filters = _filters(user, params=params)
    found = queue_service.queue(session, scope=scope, filters=filters, lang=lang)
    districts = _districts(session, scope, lang)
    this_month = monthly.checked_month(None)
    # The district of the reports: the one chosen, else the only one of the scope.
    report_district = filters.district_id or (
        next(iter(scope.district_ids)) if len(scope.district_ids) == 1 else None
    )
    if report_district and not scope.may_see_district(report_district):
        report_district = None
    area = filters.micro_district_id
    area_allowed = area is not None and any(
        p.id == area and scope.may_see_area(micro_district_id=area, district_id=p.district_id)
        for p in found.places
    )
    current = {
        "district": filters.district_id,
        "area": filters.micro_district_id,
        "state": filters.state.value if filters.state else None,
        "body": filters.body_id,
        "sort": filters.sort.value,
        **{flag: params.get(flag) == "1" for flag in FLAGS},
    }
    context: dict[str, Any] = {
        "user": user,
        "scope": scope,
        "fmt": Formatter(lang),
        "queue": found,
        "filters": current,
        "districts": districts,
        "bodies": [
            (b.id, labels.body_name(b)) for b in _bodies(session, scope, filters.district_id)
        ],
        "states": [(s.value, labels.state_label(s.value)) for s in FindingState],
        "sorts": [
            ("priority", gettext("Priority: overdue, then to verify, then risk")),
            ("risk", gettext("Risk index")),
            ("deadline", gettext("Nearest deadline")),
            ("place", gettext("Place")),
        ],
        "item_label": lambda item: _item_label(request, item),
        "state_label": labels.state_label,
        "band_of": band_for,
        "page_url": lambda page: queue_url(**{**current, "page": page}),
        "place_url": lambda place_id: _place_url(current, found.level, place_id),
        "monthly_url": f"/inspector/districts/{report_district}/monthly?month={this_month}"
        if report_district
        else None,
        "district_pdf_url": district_pdf_url(report_district, this_month, lang)
        if report_district
        else None,
        "area_pdf_url": area_pdf_url(area, this_month, lang) if area and area_allowed else None,
        "district_name": dict(districts).get(report_district or "", report_district),
    }
    return render(request, "findings/queue.html", context)


@router.get("/inspector/yards/{yard_id}/findings", response_class=HTMLResponse)
def yard_findings_page(
    yard_id: str, request: Request, session: SessionDep, scope: InspectorScope
) -> HTMLResponse:
    """Every finding of one yard of the scope, in any state, each linking to its page."""
    row_id = parse_row_id(yard_id)
    yard = session.get(Yard, row_id) if row_id is not None else None
    if yard is None or yard.id is None or not scope.may_see_yard(yard):
        raise NotFound(gettext("No such yard, or it is not in the area your account covers."))
    lang = translations.current_lang.get()
    findings = finding_view.yard_findings(session, yard_id=yard.id)
    label = finding_view.yard_names(session, yard=yard, lang=lang).label
    context = {
        "fmt": Formatter(lang),
        "yard": yard,
        "yard_label": label,
        "findings": [
            {
                "finding": f,
                "item": labels.item_text(request, version=f.checklist_version, item_id=f.item_id),
                "state": labels.state_label(f.state),
            }
            for f in findings
        ],
        "back_url": queue_url(district=yard.district_id if scope.city_wide else None),
    }
    return render(request, "findings/yard.html", context)
