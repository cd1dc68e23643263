"""An appeal (обращение / өтініш) to a responsible body about a yard's confirmed findings,
as a PDF a resident, the yard's cooperative or staff file through eOtinish or iKomek 109.

It holds public data only, the same for every reader: the yard's public name and place, its
confirmed findings still to fix that are routed to the body (the yard's public page lists
them), what the checklist says to do, dates, the deadline it asks for and the residents'
photos staff approved (``app.photos.moderation.public_states``). Never a fix note, a body's
reference, an assignee, a submission id or an address a sender typed. The applicant's name,
ИИН/БИН and contacts are printed and nowhere else: the PDF is never cached (the disk cache of
the other reports would keep them) and nothing is logged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.bodies.models import Body
from app.channels.reports import render, yard_items
from app.channels.reports.appeal_form import Applicant
from app.channels.reports.appeal_models import Appeal, AppealFinding, BodyChoice
from app.channels.reports.lang import language
from app.channels.web.formatting import Formatter
from app.checklists.loader import ChecklistRegistry
from app.districts import naming as area_naming
from app.districts.models import District, MicroDistrict
from app.findings.models import ACTIVE_STATES, Finding
from app.findings.routing import Router
from app.photos import moderation as photo_moderation
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.languages import Lang
from app.platform.pdf.gate import Requester
from app.platform.pdf.renderer import PdfRenderer
from app.platform.templating import environment
from app.platform.translations import gettext
from app.submissions.models import Submission
from app.yards import naming
from app.yards.models import Yard

ALMATY_OFFSET = timedelta(hours=5)
EOTINISH_URL = "https://eotinish.kz"
IKOMEK_PHONE = "109"
_SUBMISSION = table_of(Submission)
_ACTIVE = [s.value for s in ACTIVE_STATES]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _day(moment: datetime | None) -> date | None:
    return (_aware(moment) + ALMATY_OFFSET).date() if moment is not None else None


def _active_findings(session: Session, *, yard_id: int, body_id: str | None = None) -> Any:
    query = select(Finding).where(
        col(Finding.yard_id) == yard_id,
        col(Finding.confirmed).is_(True),
        col(Finding.state).in_(_ACTIVE),
        col(Finding.body_id).is_not(None),
    )
    if body_id is not None:
        query = query.where(col(Finding.body_id) == body_id)
    return query.order_by(col(Finding.opened_at), col(Finding.id))


def body_choices(session: Session, *, yard_id: int, lang: Lang) -> list[BodyChoice]:
    """The bodies an appeal may go to: those with confirmed findings still to fix here."""
    counts: dict[str, int] = {}
    for finding in session.execute(_active_findings(session, yard_id=yard_id)).scalars():
        assert finding.body_id is not None
        counts[finding.body_id] = counts.get(finding.body_id, 0) + 1
    if not counts:
        return []
    bodies = session.execute(select(Body).where(col(Body.id).in_(list(counts)))).scalars()
    return sorted(
        (BodyChoice(b.id, _body_name(b, lang), counts[b.id]) for b in bodies),
        key=lambda c: c.name,
    )


def _body_name(body: Body, lang: Lang) -> str:
    return {"kk": body.name_kk, "en": body.name_en}.get(lang) or body.name


def _item_texts(
    registry: ChecklistRegistry, version: str, item_id: str, lang: Lang
) -> tuple[str, str]:
    for loaded in (registry.get(version), registry.current):
        item = loaded.items_by_id.get(item_id) if loaded is not None else None
        if item is not None:
            return item.question.get(lang), item.remedy.get(lang) if item.remedy else ""
    return item_id, ""


def appeal(
    session: Session,
    *,
    yard: Yard,
    body_id: str,
    applicant: Applicant,
    registry: ChecklistRegistry,
    settings: Settings,
    lang: Lang,
    now: datetime | None = None,
) -> Appeal:
    """The appeal of ``yard``'s confirmed findings still to fix that are routed to the body."""
    assert yard.id is not None
    now = now or utcnow()
    body = session.get(Body, body_id)
    assert body is not None, "the form checked the body"
    findings = list(
        session.execute(_active_findings(session, yard_id=yard.id, body_id=body_id)).scalars()
    )
    router = Router.for_yard(
        session,
        yard_id=yard.id,
        district_id=yard.district_id,
        default_deadline_days=settings.finding_deadline_days,
    )
    # The photos that show the yard now: approved ones of its checks in the current window.
    since = now - timedelta(days=settings.current_risk_window_days)
    sources = list(
        session.execute(
            select(_SUBMISSION.c.id).where(
                _SUBMISSION.c.yard_id == yard.id, _SUBMISSION.c.received_at >= since
            )
        ).scalars()
    )
    photos = yard_items.photos_of(
        session,
        settings,
        submission_ids=sources,
        item_ids={f.item_id for f in findings},
        states=photo_moderation.public_states(),
    )
    today = _day(now)
    assert today is not None
    shown = []
    for f in findings:
        question, remedy = _item_texts(registry, f.checklist_version, f.item_id, lang)
        if f.deadline_at is not None:
            deadline = _day(f.deadline_at)
        else:
            deadline = today + timedelta(days=router.deadline_days(body_id, f.item_id))
        assert deadline is not None
        shown.append(
            AppealFinding(
                item_id=f.item_id,
                question=question,
                remedy=remedy,
                state=f.state,
                found_on=_day(f.opened_at) or today,
                confirmed_on=_day(f.confirmed_at),
                deadline_on=deadline,
                deadline_set=f.deadline_at is not None,
                overdue=f.deadline_at is not None and _aware(f.deadline_at) < now,
                photos=photos.get(f.item_id, ()),
            )
        )
    district = session.get(District, yard.district_id)
    district_name = district.name(lang) if district else yard.district_id
    body_district = session.get(District, body.district_id) if body.district_id else None
    micro = session.get(MicroDistrict, yard.micro_district_id) if yard.micro_district_id else None
    with language(lang):
        spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
        title = naming.public_title(yard_id=yard.id, public_name=yard.public_name)
        body_place = body_district.name(lang) if body_district else gettext("Almaty (city-wide)")
    return Appeal(
        lang=lang,
        appeal_date=today,
        body_name=_body_name(body, lang),
        body_place=body_place,
        eotinish_category=body.eotinish_category,
        yard_id=yard.id,
        yard_title=title,
        district_name=district_name,
        area_name=area_naming.area_name(micro, lang) if micro is not None else None,
        near=spot.near,
        lat=spot.lat,
        lon=spot.lon,
        twogis_url=spot.twogis_url,
        osm_url=spot.osm_url,
        yard_url=f"{settings.public_base_url.rstrip('/')}/yards/{yard.id}",
        synthetic=yard.synthetic or body.synthetic,
        findings=tuple(shown),
        applicant=applicant,
    )


def appeal_html(appeal: Appeal) -> str:
    with language(appeal.lang):
        fmt = Formatter(appeal.lang)
        context = {
            "lang": appeal.lang,
            "fmt": fmt,
            "a": appeal,
            "thumb_uri": render.thumb_uri,
            "page_css": render.css_content(gettext("Page %(page)s of %(pages)s")),
            "footer_css": render.css_string(
                gettext(
                    "SafeYard · yard no. %(id)s · %(date)s",
                    id=appeal.yard_id,
                    date=fmt.short_date(appeal.appeal_date),
                )
            ),
            "qr_svg": render.qr_svg(appeal.yard_url),
            "eotinish_url": EOTINISH_URL,
            "ikomek_phone": IKOMEK_PHONE,
        }
        return environment.get_template("reports/appeal.html").render(context)


def appeal_pdf(renderer: PdfRenderer, appeal: Appeal, who: Requester) -> bytes:
    """The PDF, rendered every time through the render limit and gate but never the disk
    cache: it holds the applicant's personal data."""
    renderer.limit.check(who)
    with renderer.gate.turn(who):
        pdf = renderer.pool.run(render.html_to_pdf, appeal_html(appeal))
        renderer.renders += 1
        return pdf
