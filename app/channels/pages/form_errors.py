"""The service's refusals of a checklist, said in the page language and pointed at the field."""

from __future__ import annotations

import uuid

from pydantic import ValidationError

from app.channels.pages.forms import LOCATION, FormError
from app.channels.web.formatting import Formatter
from app.checklists.loader import LoadedChecklist
from app.geo.locator import OutsideCity
from app.platform.errors import AppError, Conflict, Invalid, Unavailable
from app.platform.languages import Lang
from app.platform.translations import gettext


def question_target(item_id: str) -> str:
    return f"q-{item_id}"


def outside_city(exc: OutsideCity, lang: Lang) -> FormError:
    return FormError(
        gettext(
            "This point is %(distance)s outside Almaty. SafeYard covers the city's districts "
            "only: check the coordinates.",
            distance=Formatter(lang).distance(exc.distance_m),
        ),
        LOCATION,
    )


def no_place() -> FormError:
    return FormError(
        gettext("Choose your yard first: find it by address or enter its coordinates."), LOCATION
    )


def unknown_yard() -> FormError:
    return FormError(gettext("This yard is not in SafeYard. Find your yard again."), LOCATION)


def checklist_updated() -> FormError:
    return FormError(
        gettext(
            "The checklist has been updated since you opened it. Your answers are kept: "
            "check them and send again."
        )
    )


def unavailable() -> FormError:
    return FormError(
        gettext(
            "Your answers could not be saved just now. Nothing is lost: "
            "send the form again in a minute."
        )
    )


def control_character_error(where: list[str], char: str) -> FormError:
    """A comment or the address holds a control character (from app.platform.limits' text types)."""
    target = {"comment": "comment", "address": LOCATION}.get(where[0] if where else "")
    if where[:1] == ["item_comments"] and len(where) > 1:
        target = question_target(where[1])
    return FormError(
        gettext(
            "This text contains a control character (%(char)s) that cannot be stored. "
            "Remove it and send again.",
            char=char,
        ),
        target,
    )


def validation_errors(exc: ValidationError) -> list[FormError]:
    """Limits the browser should have kept (maxlength), checked again on the server."""
    errors = []
    for error in exc.errors():
        where = [str(part) for part in error["loc"]]
        if error["type"] == "control_character":
            errors.append(control_character_error(where, str(error["ctx"]["char"])))
            continue
        if where[:1] == ["comment"]:
            message, target = (
                gettext("The comment about the yard is too long: at most 2000 characters."),
                "comment",
            )
        elif where[:1] == ["item_comments"] and len(where) > 1:
            message, target = (
                gettext("This comment is too long: at most 500 characters."),
                question_target(where[1]),
            )
        elif where[:1] == ["address"]:
            message, target = (
                gettext("The address is too long: at most 300 characters."),
                LOCATION,
            )
        else:
            message, target = (
                gettext("Part of the form could not be read: %(detail)s", detail=error["msg"]),
                None,
            )
        errors.append(FormError(message, target))
    return errors


def _invalid(exc: Invalid, loaded: LoadedChecklist, lang: Lang) -> list[FormError]:
    errors = []
    for detail in exc.details:
        name, said = str(detail.get("field", "")), detail.get("message")
        if name == "answers":
            errors.append(
                FormError(
                    gettext(
                        "Answer at least one question about the yard (other than “Does not "
                        "apply”) before sending."
                    )
                )
            )
        elif name == "location" and said == "outside Almaty":
            cause = exc.__cause__
            if isinstance(cause, OutsideCity):
                errors.append(outside_city(cause, lang))
            else:
                errors.append(
                    FormError(
                        gettext("This point is outside Almaty: check the coordinates."), LOCATION
                    )
                )
        elif name == "location":
            errors.append(
                FormError(
                    gettext(
                        "The location is far from the chosen yard. Check that you chose the "
                        "right yard."
                    ),
                    LOCATION,
                )
            )
        elif name == "yard_id":
            errors.append(unknown_yard())
        elif name == "checklist_version":
            errors.append(checklist_updated())
        elif name.startswith(("answers.", "item_comments.")):
            item_id = name.partition(".")[2]
            item = loaded.items_by_id.get(item_id)
            if item is not None:
                errors.append(
                    FormError(
                        gettext(
                            "This answer could not be read: “%(question)s”. Choose it again.",
                            question=item.question.get(lang),
                        ),
                        question_target(item_id),
                    )
                )
    return errors or [FormError(exc.message)]


def service_errors(
    exc: AppError, *, loaded: LoadedChecklist, lang: Lang, submission_id: uuid.UUID
) -> list[FormError]:
    """What to tell the resident when the submission service refuses the form."""
    if isinstance(exc, Invalid):
        return _invalid(exc, loaded, lang)
    if isinstance(exc, Conflict):
        return [
            FormError(
                gettext(
                    "This checklist was already sent with other answers. To send these answers "
                    "as a new check, send the form again."
                ),
                href=f"/result/{submission_id}",
            )
        ]
    if isinstance(exc, Unavailable):
        return [unavailable()]
    return [FormError(exc.message)]
