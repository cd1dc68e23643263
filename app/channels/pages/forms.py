"""Reading the residents' forms: where the yard is, as people type it, and the checklist."""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass, field, replace

from starlette.datastructures import FormData, UploadFile

from app.platform.db import parse_row_id
from app.platform.translations import gettext

# "43.2389", "43,2389" (a decimal comma), "-0.5"; "43.2389, 76.8897" holds two of them.
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
ADDRESS_MAX = 300
LOCATION = "location"  # the id of the form's location block, where its errors point


@dataclass(frozen=True)
class FormError:
    """A problem to show in the error summary, in the page language."""

    message: str
    target: str | None = None  # id of the field or question to fix (a link in the summary)
    href: str | None = None  # a page that helps (e.g. the result already stored)


@dataclass(frozen=True)
class WhereInput:
    """Where the yard is, as the query or form gave it (text, as typed)."""

    yard_id: str = ""
    lat: str = ""
    lon: str = ""
    accuracy_m: str = ""
    address: str = ""

    @property
    def given(self) -> bool:
        return any((self.yard_id, self.lat, self.lon, self.address))


@dataclass(frozen=True)
class Where:
    """Where the yard is, parsed: a yard id and/or a point, and an optional address."""

    yard_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    address: str | None = None

    @property
    def known(self) -> bool:
        return self.yard_id is not None or self.lat is not None


def _numbers(text: str) -> list[str]:
    return _NUMBER.findall(text)


def _number(text: str) -> float:
    """One number, with a decimal dot or comma and an optional degree sign; else ValueError."""
    cleaned = text.replace("°", "").replace("\u00a0", "").strip()
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(text)
    return float(cleaned.replace(",", "."))


def _split_pair(lat: str, lon: str) -> tuple[str, str]:
    """'43.2389, 76.8897' pasted into one field (as map apps copy it) -> the two numbers."""
    for one, other in ((lat, lon), (lon, lat)):
        found = _numbers(one)
        if not other and len(found) == 2:
            return found[0], found[1]
    return lat, lon


def parse_where(raw: WhereInput) -> tuple[WhereInput, Where, list[FormError]]:
    """Parse where the yard is. Returns the values to show again (normalised where they were
    understood), what was understood, and the problems, each pointing at the location block."""
    values = WhereInput(
        yard_id=raw.yard_id.strip(),
        lat=raw.lat.strip(),
        lon=raw.lon.strip(),
        accuracy_m=raw.accuracy_m.strip(),
        address=" ".join(raw.address.split())[:ADDRESS_MAX],
    )
    errors: list[FormError] = []
    yard_id = None
    if values.yard_id:
        yard_id = parse_row_id(values.yard_id)
        if yard_id is None:
            errors.append(
                FormError(gettext("This yard is not in SafeYard. Find your yard again."), LOCATION)
            )
    lat_text, lon_text = _split_pair(values.lat, values.lon)
    values = replace(values, lat=lat_text, lon=lon_text)
    lat = lon = None
    if lat_text or lon_text:
        try:
            if not (lat_text and lon_text):
                raise LookupError
            lat, lon = _number(lat_text), _number(lon_text)
        except LookupError:
            errors.append(
                FormError(
                    gettext(
                        "Enter both the latitude and the longitude of the yard, "
                        "e.g. 43.2389 and 76.8897."
                    ),
                    LOCATION,
                )
            )
        except ValueError:
            errors.append(
                FormError(
                    gettext(
                        "The coordinates could not be read. Write them in decimal degrees, "
                        "e.g. 43.2389, 76.8897."
                    ),
                    LOCATION,
                )
            )
        else:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                errors.append(
                    FormError(
                        gettext(
                            "The latitude must be between -90 and 90 and the longitude "
                            "between -180 and 180; for Almaty they are about 43.2 and 76.9."
                        ),
                        LOCATION,
                    )
                )
                lat = lon = None
            else:
                values = replace(values, lat=repr(lat), lon=repr(lon))
    accuracy = None
    # Filled by the device, never typed: an unreadable one is dropped.
    with contextlib.suppress(ValueError):
        accuracy = _number(values.accuracy_m) if values.accuracy_m else None
    if accuracy is not None and not 0 <= accuracy <= 100_000:
        accuracy = None
    values = replace(values, accuracy_m=repr(accuracy) if accuracy is not None else "")
    where = Where(
        yard_id=yard_id,
        lat=lat,
        lon=lon if lat is not None else None,
        accuracy_m=accuracy if lat is not None else None,
        address=values.address or None,
    )
    return values, where, errors


@dataclass
class FilledChecklist:
    """The checklist form as the resident filled it (kept whole to show it again)."""

    id: uuid.UUID
    checklist_version: str
    where: WhereInput = field(default_factory=WhereInput)
    answers: dict[str, str] = field(default_factory=dict)
    item_comments: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    photos: dict[str, UploadFile] = field(default_factory=dict)

    @classmethod
    def blank(cls, version: str, where: WhereInput) -> FilledChecklist:
        """A new form: a fresh id, so a double tap on submit stores it once."""
        return cls(id=uuid.uuid4(), checklist_version=version, where=where)


def _text(value: str | UploadFile | None) -> str:
    # Browsers send a textarea's line breaks as CRLF but count them as one character.
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def read_checklist_form(form: FormData) -> FilledChecklist:
    """The fields ``answer.<item>``, ``comment.<item>``, ``photo.<item>``, ``comment``, the
    hidden ``id``, ``checklist_version`` and the location fields. Empty ones are left out."""
    try:
        submission_id = uuid.UUID(_text(form.get("id")))
    except ValueError:
        submission_id = uuid.uuid4()
    if submission_id.version != 4:
        # The form made the id (a random one); anything else was not typed by a resident.
        submission_id = uuid.uuid4()
    filled = FilledChecklist(
        id=submission_id,
        checklist_version=_text(form.get("checklist_version")).strip()[:16],
        where=WhereInput(
            yard_id=_text(form.get("yard_id")),
            lat=_text(form.get("lat")),
            lon=_text(form.get("lon")),
            accuracy_m=_text(form.get("accuracy_m")),
            address=_text(form.get("address")),
        ),
        comment=_text(form.get("comment")).strip(),
    )
    for key, value in form.multi_items():
        kind, _, item_id = key.partition(".")
        if not item_id:
            continue
        if kind == "answer" and isinstance(value, str) and value:
            filled.answers[item_id] = value
        elif kind == "comment" and _text(value).strip():
            filled.item_comments[item_id] = _text(value).strip()
        elif kind == "photo" and isinstance(value, UploadFile) and value.filename:
            filled.photos[item_id] = value
    return filled
