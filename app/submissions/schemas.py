"""What a client sends with a filled checklist, and what it gets back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    UUID4,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.checklists.explain import ScoreOut
from app.platform.db import MAX_ROW_ID
from app.platform.limits import NO_CONTROLS, MultiLineText, SingleLineText, has_control_character
from app.platform.security.openapi import CHOICES, VERSIONS

MAX_ANSWERS = 200
ITEM_ID_LENGTH = 80
OPTION_LENGTH = 40

# Strict: a string is never read as a number, a number never as a string, a bool never as
# either (lax pydantic would store "43.25" and true). Text has no control characters.
ItemId = Annotated[
    str, NO_CONTROLS, StringConstraints(min_length=1, max_length=ITEM_ID_LENGTH, strict=True)
]
OptionValue = Annotated[
    SingleLineText, StringConstraints(min_length=1, max_length=OPTION_LENGTH, strict=True)
]
StrictFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _plain_answers(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # A body's ~40 answers cost three Python validators per key and per value (the control
    # check puts the length constraints after it, in Python): one pass here over a plain
    # dict of short, clean strings gives the same dict; anything else meets the full
    # validation, which names every problem as before (tests/submissions/test_schemas.py).
    if type(value) is dict and 0 < len(value) <= MAX_ANSWERS:
        options = value.values()
        if (
            {*map(type, value), *map(type, options)} == {str}  # C loops: no Python per item
            and min(map(len, value)) > 0
            and max(map(len, value)) <= ITEM_ID_LENGTH
            and min(map(len, options)) > 0
            and max(map(len, options)) <= OPTION_LENGTH
            and not has_control_character("".join(value))
            and not has_control_character("".join(options))
        ):
            return dict(value)
    return handler(value)


Answers = Annotated[
    dict[ItemId, OptionValue], Field(max_length=MAX_ANSWERS), WrapValidator(_plain_answers)
]

# client_created_at is the device's clock: a phone set by hand to the wrong zone can run hours
# fast (refusing it would strand the checklist on the phone), but not into next week; and
# nothing was filled before SafeYard existed.
CLIENT_CLOCK_SKEW = timedelta(hours=24)
EARLIEST_CLIENT_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def _text_time(value: Any) -> Any:
    # Lax datetimes read a number as seconds since 1970: only ISO 8601 text (JSON) or a
    # datetime (the form, Python callers) is a time here.
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("give the time as ISO 8601 text with a time zone")
    return value


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: StrictFloat = Field(ge=-90, le=90, description="WGS84 latitude")
    lon: StrictFloat = Field(ge=-180, le=180, description="WGS84 longitude")
    accuracy_m: StrictFloat | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="The device's stated accuracy in metres.",
    )


class SubmissionCreate(BaseModel):
    """A filled checklist. ``id`` is a random (version 4) UUID made by the client, so a retry
    never makes a duplicate; it is also the sender's key to the result."""

    model_config = ConfigDict(extra="forbid")

    id: UUID4
    checklist_version: SingleLineText = Field(
        max_length=16, strict=True, json_schema_extra={CHOICES: VERSIONS}
    )
    location: LocationIn | None = None
    yard_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID, strict=True)
    address: SingleLineText | None = Field(default=None, max_length=300, strict=True)
    comment: MultiLineText | None = Field(default=None, max_length=2000, strict=True)
    answers: Answers
    item_comments: dict[
        ItemId, Annotated[MultiLineText, StringConstraints(max_length=500, strict=True)]
    ] = Field(default_factory=dict, max_length=200, description="Optional free comment per item.")
    client_created_at: Annotated[AwareDatetime | None, BeforeValidator(_text_time)] = Field(
        default=None,
        description="When the resident finished the checklist on the device (ISO 8601 with a "
        "time zone; from 2025-01-01 to a day after the server's clock).",
    )

    @field_validator("client_created_at")
    @classmethod
    def _sane_time(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value < EARLIEST_CLIENT_TIME:
            raise PydanticCustomError(
                "datetime_window", "is before 2025-01-01; check the device's clock"
            )
        if value > datetime.now(UTC) + CLIENT_CLOCK_SKEW:
            raise PydanticCustomError(
                "datetime_window", "is in the future; check the device's clock"
            )
        return value

    @model_validator(mode="after")
    def _where(self) -> SubmissionCreate:
        if self.location is None and self.yard_id is None:
            raise ValueError("give the yard's location or a yard_id")
        return self


class SubmissionResult(ScoreOut):
    id: uuid.UUID
    yard_id: int
    micro_district_id: str | None
    district_id: str
    role: str
    received_at: datetime
    photo_upload_token: str | None = Field(
        default=None,
        description="Only in answers to POST /api/v1/submissions (the 201 and any 200 replay): "
        "send it as X-Upload-Token with this submission's photos. Keep it with the id.",
    )
