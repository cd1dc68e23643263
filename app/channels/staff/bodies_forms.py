"""The admin's body form: what it posts, read into a ``BodyRecord`` (keeping the typed text
for a form shown again), and what the page shows (labels in the page's language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session, col
from sqlmodel import select as model_select
from starlette.datastructures import FormData

from app.accounts import security
from app.bodies.models import BodyChannel, BodyKind
from app.bodies.schemas import BodyRecord, RecordProblem
from app.channels.staff.forms import binding
from app.channels.staff.forms import field as text_field
from app.channels.web.auth_deps import Forbidden, secret_of
from app.checklists.loader import ChecklistRegistry
from app.districts.models import District, MicroDistrict
from app.districts.naming import area_name
from app.platform.db import parse_row_id
from app.platform.limits import control_character
from app.platform.translations import current_lang, gettext
from app.yards.models import Yard
from app.yards.naming import public_label

TEXT_FIELDS = (
    "id",
    "name_ru",
    "name_kk",
    "name_en",
    "district",
    "kind",
    "channel",
    "email",
    "phone",
    "eotinish_category",
    "deadline_days",
)


# A checkbox and an own-deadline box per checklist item (44 in 2026.2) and the body's fields:
# more than the 100 fields of the other staff forms.
MAX_FIELDS = 300


async def checked_body_form(request: Request) -> FormData:
    """The posted body form, refused (403) unless it carries this session's token (as
    ``app.channels.staff.forms.checked_form``, with room for every item)."""
    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    token = form.get("csrf_token")
    if not security.csrf_valid(
        secret_of(request), binding(request), token if isinstance(token, str) else None
    ):
        raise Forbidden(
            gettext(
                "This form has expired or did not come from SafeYard. "
                "Open the page again and send it from there."
            )
        )
    return form


CheckedBodyForm = Annotated[FormData, Depends(checked_body_form)]


@dataclass
class BodyForm:
    """The form as typed: text fields, ticked items with their own deadlines, yards."""

    values: dict[str, str] = field(default_factory=dict)
    active: bool = True
    items: set[str] = field(default_factory=set)
    item_days: dict[str, str] = field(default_factory=dict)
    yards: str = ""
    problems: list[RecordProblem] = field(default_factory=list)

    @classmethod
    def of_record(cls, record: BodyRecord) -> BodyForm:
        return cls(
            values={
                "id": record.id,
                "name_ru": record.name,
                "name_kk": record.name_kk or "",
                "name_en": record.name_en or "",
                "district": record.district_id or "",
                "kind": record.kind,
                "channel": record.channel,
                "email": record.email or "",
                "phone": record.phone or "",
                "eotinish_category": record.eotinish_category or "",
                "deadline_days": str(record.deadline_days),
            },
            active=record.active,
            items=set(record.items or {}),
            item_days={k: str(v) for k, v in (record.items or {}).items() if v is not None},
            yards="\n".join(str(y) for y in record.yards or []),
        )

    @classmethod
    def posted(cls, form: FormData, *, registry_items: set[str]) -> BodyForm:
        typed = cls(
            values={name: text_field(form, name) for name in TEXT_FIELDS},
            active=form.get("active") == "on",
            items={v for v in form.getlist("items") if isinstance(v, str)},
        )
        # A textarea: one yard per line (``field`` refuses the line breaks).
        raw = form.get("yards")
        lines = raw.splitlines() if isinstance(raw, str) else []
        if any(control_character(line) for line in lines):
            typed.problem("yards", gettext("“%(value)s” is not a yard number.", value="�"))
            lines = [line for line in lines if not control_character(line)]
        typed.yards = "\n".join(line.strip() for line in lines if line.strip())
        for item_id in registry_items:
            days = text_field(form, f"days:{item_id}")
            if days:
                typed.item_days[item_id] = days
        return typed

    def problem(self, field_name: str, message: str) -> None:
        self.problems.append(RecordProblem(1, self.values.get("id", ""), field_name, message))

    def _days(self, text: str, field_name: str) -> int | None:
        if not text:
            return None
        if text.isascii() and text.isdigit() and len(text) < 6:
            return int(text)
        self.problem(field_name, gettext("“%(value)s” is not a whole number of days.", value=text))
        return None

    def record(self, *, body_id: str) -> BodyRecord:
        """The record to store; problems of form are added to ``problems``."""
        v = self.values
        deadline = self._days(v.get("deadline_days", ""), "deadline_days")
        items = {
            item_id: self._days(self.item_days.get(item_id, ""), "items") for item_id in self.items
        }
        yards: list[int] = []
        for line in self.yards.replace(",", "\n").splitlines():
            if not line.strip():
                continue
            yard_id = parse_row_id(line.strip())
            if yard_id is None:
                self.problem("yards", gettext("“%(value)s” is not a yard number.", value=line))
            else:
                yards.append(yard_id)
        return BodyRecord(
            id=body_id,
            kind=v.get("kind", ""),
            name=v.get("name_ru", ""),
            district_id=v.get("district") or None,
            name_kk=v.get("name_kk") or None,
            name_en=v.get("name_en") or None,
            channel=v.get("channel", ""),
            email=v.get("email") or None,
            phone=v.get("phone") or None,
            eotinish_category=v.get("eotinish_category") or None,
            deadline_days=30 if deadline is None else deadline,
            active=self.active,
            items=items,
            yards=yards,
        )

    @property
    def errors_by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.field, []).append(p.message)
        return out

    def yard_ids(self) -> list[int]:
        found = [parse_row_id(line.strip()) for line in self.yards.replace(",", "\n").splitlines()]
        return [y for y in found if y is not None]


def kind_labels() -> dict[str, str]:
    return {
        BodyKind.akimat: gettext("District akimat (takes what no other body does)"),
        BodyKind.akimat_housing: gettext("Akimat's housing department"),
        BodyKind.police: gettext("District police department"),
        BodyKind.utility: gettext("Utility (lighting, water, power)"),
        BodyKind.ops_centre: gettext("City operations centre (cameras, panic buttons)"),
        BodyKind.cooperative: gettext("Housing cooperative"),
        BodyKind.other: gettext("Other body"),
    }


def channel_labels() -> dict[str, str]:
    return {
        BodyChannel.email: gettext("E-mail (sent by SafeYard)"),
        BodyChannel.eotinish: gettext("eOtinish (filed by staff)"),
        BodyChannel.phone: gettext("Phone (called by staff)"),
    }


def district_names(session: Session) -> dict[str, str]:
    lang = current_lang.get()
    rows = session.exec(model_select(District).order_by(col(District.id)))
    return {d.id: d.name(lang) for d in rows}


def item_sections(registry: ChecklistRegistry) -> list[tuple[str, list[tuple[str, str]]]]:
    """The current checklist's sections, each with its items' (id, question) in the page's
    language: the checkboxes of the form."""
    lang = current_lang.get()
    return [
        (
            getattr(section.title, lang),
            [(item.id, getattr(item.question, lang)) for item in section.items if item.scored],
        )
        for section in registry.current.checklist.sections
    ]


def yard_labels(session: Session, yard_ids: list[int]) -> dict[int, str]:
    """Each yard's public label (never its typed address)."""
    if not yard_ids:
        return {}
    lang = current_lang.get()
    districts = district_names(session)
    rows = session.exec(
        model_select(Yard, MicroDistrict)
        .outerjoin(MicroDistrict, col(MicroDistrict.id) == col(Yard.micro_district_id))
        .where(col(Yard.id).in_(yard_ids))
    ).all()
    return {
        yard.id: public_label(
            yard_id=yard.id,
            public_name=yard.public_name,
            district_name=districts.get(yard.district_id),
            micro_district_id=yard.micro_district_id,
            area_name=area_name(area, lang) if area is not None else None,
        )
        for yard, area in rows
        if yard.id is not None
    }


def page_context(session: Session, *, registry: ChecklistRegistry) -> dict[str, Any]:
    """What every bodies page shows beside its own data."""
    return {
        "kinds": kind_labels(),
        "channels": channel_labels(),
        "districts": district_names(session),
        "sections": item_sections(registry),
    }
