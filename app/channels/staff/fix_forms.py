"""The forms that act on a finding, shared by /my-yards and /body: the checked multipart form
of "report a fix" (its after-photo), the date, and the service's refusals in the reader's
language. A refused photo stores nothing and reports no fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from app.accounts import security
from app.channels.staff.forms import binding
from app.channels.staff.forms import field as text_field
from app.channels.web.auth_deps import Forbidden, secret_of
from app.findings import actions
from app.findings.permissions import Action, Actor, allowed
from app.photos import fix_photos
from app.photos.errors import PhotoRejected
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.errors import AppError, Invalid, NotPermitted
from app.platform.translations import gettext


async def upload_form(request: Request) -> FormData:
    """The posted form with at most one file, refused (403) unless it carries this
    session's token."""
    form = await request.form(max_fields=20, max_files=1)
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


UploadForm = Annotated[FormData, Depends(upload_form)]


@dataclass(frozen=True)
class Typed:
    """What the reader typed into one finding's form, to show again with the error."""

    finding_id: int | None = None
    yard_id: int | None = None
    action: str = ""
    values: dict[str, str] = field(default_factory=dict)


def typed(form: FormData, *, action: str, finding_id: int | None = None, **ids: Any) -> Typed:
    values = {name: text_field(form, name) for name in ("fixed_on", "note", "reason")}
    return Typed(finding_id=finding_id, action=action, values=values, **ids)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            gettext("Give the date of the fix as day, month and year."),
            details=[{"field": "fixed_on", "message": "not a date"}],
        ) from None


def _photo_refusal(exc: PhotoRejected, settings: Settings) -> Invalid:
    reasons = {
        "too_large": gettext(
            "the file is larger than %(size)s MB", size=settings.photo_max_bytes // (1024 * 1024)
        ),
        "not_an_image": gettext("the file is not a picture"),
        "unsupported_type": gettext(
            "this picture format is not accepted; use JPEG, PNG, WebP or HEIC"
        ),
        "too_many_pixels": gettext(
            "the picture is too large in pixels; send it as a JPEG or take it at a lower resolution"
        ),
    }
    return Invalid(
        gettext(
            "The after-photo was not accepted: %(reason)s. Nothing was recorded; choose "
            "another photo (or none) and send the form again.",
            reason=reasons.get(exc.reason, exc.reason),
        ),
        details=[{"field": "photo", "message": exc.reason}],
    )


def _photo_bytes(form: FormData, settings: Settings) -> tuple[bytes, str | None] | None:
    upload = form.get("photo")
    if not isinstance(upload, UploadFile):
        return None
    # One byte past the cap tells it is too large; never more in memory.
    data = upload.file.read(settings.photo_max_bytes + 1)
    return (data, upload.filename) if data else None


def report_fix(
    db: Database, *, settings: Settings, actor: Actor, finding_id: int, form: FormData
) -> None:
    """Report the finding fixed from the posted form: the photo is checked and stored
    before the write transaction (on SQLite it holds the one write lock), removed again when
    the report is refused."""
    with db.session() as session:  # refuse early: nothing stored for a finding one may not fix
        finding = actions.get_finding(session, actor=actor, finding_id=finding_id)
        if Action.report_fix not in allowed(actor, finding):
            raise NotPermitted("This finding cannot be reported fixed in its present state.")
    fixed_on = parse_day(text_field(form, "fixed_on"))
    note = text_field(form, "note")
    sent = _photo_bytes(form, settings)
    name = None
    if sent is not None:
        try:
            name = fix_photos.store_fix_photo(sent[0], settings=settings, filename=sent[1])
        except PhotoRejected as exc:
            raise _photo_refusal(exc, settings) from None
    try:
        with db.write_session() as write:
            actions.report_fix(
                write, actor=actor, finding_id=finding_id, fixed_on=fixed_on, note=note, photo=name
            )
    except BaseException:
        if name is not None:
            fix_photos.remove_fix_photo(settings, name)
        raise


# The service's refusals (app.findings.actions) by field and kind, in the reader's language.
def message(exc: AppError) -> str:
    detail = exc.details[0] if exc.details else {}
    known = {
        ("reason", "required"): gettext("Write why the finding is not for your body."),
        ("fixed_on", "in the future"): gettext("The date of the fix cannot be in the future."),
        ("fixed_on", "too early"): gettext(
            "The date of the fix is more than a year before the finding."
        ),
    }
    found = known.get((str(detail.get("field")), str(detail.get("message"))))
    if found is not None:
        return found
    if str(detail.get("message", "")).startswith("at most"):
        return gettext("The text is too long: at most %(max)s characters.", max=actions.NOTE_MAX)
    if exc.status_code == 403:
        return gettext(
            "This can no longer be done to this finding: its state has changed. The page "
            "shows what you can do now."
        )
    return gettext(exc.message)
