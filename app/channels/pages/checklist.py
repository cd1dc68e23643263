"""The checklist form: where the yard is, the questions, and sending it without JavaScript."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.accounts.scope import Scope
from app.channels.pages import form_errors, photo_upload
from app.channels.pages.forms import FilledChecklist, FormError, Where, WhereInput, parse_where
from app.channels.pages.places import Place, district_names, point_place, yard_place
from app.checklists.loader import LoadedChecklist
from app.checklists.schemas import ChecklistPublic, SectionPublic, checklist_public
from app.context import AppContext
from app.geo.locator import OutsideCity
from app.intake import service as intake
from app.platform.errors import AppError, Conflict, Invalid, Unavailable
from app.platform.languages import Lang
from app.submissions.schemas import LocationIn, SubmissionCreate
from app.yards.models import Yard

ROLE = "resident"


@dataclass(frozen=True)
class Located:
    """Where the yard is: the values for the form's inputs, what they mean, and problems."""

    values: WhereInput
    where: Where
    place: Place | None
    errors: list[FormError] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        """Show the location as fields to correct, not as hidden inputs."""
        return bool(self.errors)


@dataclass(frozen=True)
class Refused:
    errors: list[FormError]
    status_code: int
    loaded: LoadedChecklist
    located: Located
    filled: FilledChecklist


def locate(session: Session, *, areas: Any, raw: WhereInput, lang: Lang, required: bool) -> Located:
    """Parse and place the yard or point; ``required``: nothing given is itself a problem."""
    values, where, errors = parse_where(raw)
    names = district_names(session, lang)
    place = None
    if where.yard_id is not None:
        yard = session.get(Yard, where.yard_id)
        if yard is None:
            errors.append(form_errors.unknown_yard())
            values, where = replace(values, yard_id=""), replace(where, yard_id=None)
        else:
            place = yard_place(yard, names)
    if place is None and where.lat is not None and where.lon is not None:
        try:
            place = point_place(
                areas,
                names,
                lat=where.lat,
                lon=where.lon,
                accuracy_m=where.accuracy_m,
                address=where.address,
            )
        except OutsideCity as exc:
            errors.append(form_errors.outside_city(exc, lang))
        except Unavailable as exc:
            errors.append(FormError(exc.message))
    if required and not where.known and not errors:
        errors.append(form_errors.no_place())
    return Located(values, where, place, errors)


def resident_sections(checklist: ChecklistPublic, role: str = ROLE) -> list[SectionPublic]:
    """The sections with the questions ``role`` (a resident by default) answers; unscored
    ones last in each."""
    sections = []
    for section in checklist.sections:
        items = sorted((i for i in section.items if role in i.roles), key=lambda i: not i.scored)
        if items:
            sections.append(section.model_copy(update={"items": items}))
    return sections


def form_context(
    *,
    loaded: LoadedChecklist,
    lang: Lang,
    filled: FilledChecklist,
    located: Located,
    errors: list[FormError],
    role: str = ROLE,
) -> dict[str, Any]:
    """The context of ``pages/checklist.html``."""
    checklist = checklist_public(loaded, lang)
    targets: dict[str, str] = {}
    for error in errors:
        if error.target and error.target not in targets:
            targets[error.target] = error.message
    return {
        "checklist": checklist,
        "version": loaded.version,
        "sections": resident_sections(checklist, role),
        "filled": filled,
        "located": located,
        "errors": errors,
        "error_at": targets,
        # A browser never fills a file input again: say so rather than lose photos silently.
        "photos_dropped": bool(errors and filled.photos),
    }


def _submission(filled: FilledChecklist, where: Where) -> SubmissionCreate:
    """Raises pydantic's ValidationError for what only the browser limited (maxlength)."""
    location = (
        LocationIn(lat=where.lat, lon=where.lon, accuracy_m=where.accuracy_m)
        if where.lat is not None and where.lon is not None
        else None
    )
    return SubmissionCreate(
        id=filled.id,
        checklist_version=filled.checklist_version,
        location=location,
        yard_id=where.yard_id,
        address=where.address,
        comment=filled.comment or None,
        answers=filled.answers,
        item_comments=filled.item_comments,
    )


def send(
    state: AppContext,
    session: Session,
    *,
    filled: FilledChecklist,
    lang: Lang,
    role: str = ROLE,
    audit_scope: Scope | None = None,
) -> str | Refused:
    """Send the form to the intake once, with its photos. Returns the result page's URL, or
    what to show again with the resident's answers."""
    registry = state.checklists
    loaded = registry.get(filled.checklist_version)
    located = locate(session, areas=state.areas, raw=filled.where, lang=lang, required=True)

    def refused(errors: list[FormError], status_code: int = 422) -> Refused:
        return Refused(errors, status_code, loaded or registry.current, located, filled)

    if loaded is None or located.errors:
        errors = list(located.errors)
        if loaded is None:
            errors.append(form_errors.checklist_updated())
        # Not sent: check the answers too, so every problem shows at once.
        try:
            intake.check_answers(loaded or registry.current, filled.answers, role=role)
        except Invalid as exc:
            errors.extend(
                form_errors.service_errors(
                    exc, loaded=loaded or registry.current, lang=lang, submission_id=filled.id
                )
            )
        return refused(errors)
    try:
        data = _submission(filled, located.where)
    except ValidationError as exc:
        return refused(form_errors.validation_errors(exc))
    try:
        received = intake.receive(
            state.db,
            data=data,
            registry=registry,
            areas=state.areas,
            settings=state.settings,
            role=role,
            audit_scope=audit_scope,
            secret=state.secret_key,
            photos=filled.photos,
        )
    except Conflict as exc:
        errors = form_errors.service_errors(exc, loaded=loaded, lang=lang, submission_id=filled.id)
        # Sending again stores these answers as a new check, under a new id.
        return Refused(errors, exc.status_code, loaded, located, replace(filled, id=uuid.uuid4()))
    except AppError as exc:
        errors = form_errors.service_errors(exc, loaded=loaded, lang=lang, submission_id=filled.id)
        return refused(errors, exc.status_code)
    except OperationalError:
        return refused([form_errors.unavailable()], 503)
    url = f"/result/{received.submission.id}"
    if received.photo_refusals:
        url += "?" + urlencode(
            {"photo_refused": photo_upload.refusals_query(received.photo_refusals)}
        )
    return url
