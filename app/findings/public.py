"""What residents see of a yard's findings: the confirmed ones, who owns each and how far it
got, as days. Nothing else of a finding is public: not its fix note or photo, the body's
reference, the assignee, the bodies that refused it, nor any submission."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlmodel import Session

from app.bodies.models import Body
from app.checklists.loader import ChecklistRegistry
from app.findings import reports
from app.findings.models import ACTIVE_STATES, Finding, FindingState
from app.platform.db import table_of, utcnow
from app.platform.languages import Lang
from app.platform.translations import translations
from app.yards.schemas import FindingBodyPublic, FindingPublic

_FINDING = table_of(Finding)
_BODY = table_of(Body)
ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")
# A verified finding stays on the yard's public page this long after its check.
VERIFIED_SHOWN_DAYS = 90


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ALMATY).date()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def public_findings(
    session: Session,
    *,
    yard_id: int,
    registry: ChecklistRegistry,
    lang: Lang,
    now: datetime | None = None,
) -> list[FindingPublic]:
    """The yard's confirmed findings, newest activity first; verified ones only within
    ``VERIFIED_SHOWN_DAYS`` of their check. Labels and body names in ``lang``."""
    now = now or utcnow()
    shown_since = now - timedelta(days=VERIFIED_SHOWN_DAYS)
    rows = session.execute(
        select(
            _FINDING,
            _BODY.c.name,
            _BODY.c.name_kk,
            _BODY.c.name_en,
            _BODY.c.kind.label("body_kind"),
        )
        .select_from(_FINDING.outerjoin(_BODY, _BODY.c.id == _FINDING.c.body_id))
        .where(
            _FINDING.c.yard_id == yard_id,
            _FINDING.c.confirmed.is_(True),
            _FINDING.c.state != FindingState.withdrawn,
        )
    ).mappings()
    found: list[tuple[datetime, int, FindingPublic]] = []
    for row in rows:
        verified_at = _aware(row["verified_at"])
        if row["state"] == FindingState.verified and (
            verified_at is None or verified_at < shown_since
        ):
            continue
        deadline = _aware(row["deadline_at"])
        body = None
        if row["body_id"] is not None:
            name = {"kk": row["name_kk"], "en": row["name_en"]}.get(lang) or row["name"]
            body = FindingBodyPublic(id=row["body_id"], name=name, kind=row["body_kind"])
        found.append(
            (
                max(
                    m
                    for m in (
                        _aware(row["opened_at"]),
                        _aware(row["confirmed_at"]),
                        _aware(row["sent_at"]),
                        _aware(row["fix_reported_at"]),
                        verified_at,
                    )
                    if m is not None
                ),
                row["id"],
                FindingPublic(
                    item_id=row["item_id"],
                    label=_label(registry, row["checklist_version"], row["item_id"], lang),
                    state=row["state"],
                    body=body,
                    opened_on=_day(row["opened_at"]) or now.date(),
                    sent_on=_day(row["sent_at"]),
                    fix_reported_on=_day(row["fix_reported_at"]),
                    verified_on=_day(verified_at),
                    verified_how=row["verified_how"],
                    deadline_on=_day(deadline),
                    overdue=bool(
                        deadline is not None
                        and deadline < now
                        and row["state"] in [s.value for s in ACTIVE_STATES]
                    ),
                ),
            )
        )
    found.sort(key=lambda f: (f[0], f[1]), reverse=True)
    return [f[2] for f in found]


def _label(registry: ChecklistRegistry, version: str, item_id: str, lang: Lang) -> str:
    """The item's question in ``lang``, from the finding's checklist version, else the
    current one (a resident's report: its section); the id itself for an item no version
    knows."""
    section_id = reports.section_of_item(item_id)
    if section_id is not None:
        title = reports.section_title(registry, version=version, section_id=section_id, lang=lang)
        said = translations(lang).gettext
        if title is None:
            return said("Reported by residents")
        return said("Reported by residents: %(section)s") % {"section": title}
    for loaded in (registry.get(version), registry.current):
        item = loaded.items_by_id.get(item_id) if loaded is not None else None
        if item is not None:
            return item.question.get(lang)
    return item_id
