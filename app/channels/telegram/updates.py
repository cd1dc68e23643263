"""The parts of a Telegram update the bot reads, parsed from its JSON.

Plain frozen dataclasses rather than aiogram's pydantic ``Update``: validating the whole
update (sender, chat, entities, every optional field) was a fifth of the bot's own CPU per
button press, for five fields. Anything not shaped as Telegram sends it is ``None``: the
webhook answers it 200 and ignores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ChatRef:
    id: int
    type: str


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    horizontal_accuracy: float | None = None


@dataclass(frozen=True, slots=True)
class PhotoSize:
    file_id: str


@dataclass(frozen=True, slots=True)
class Message:
    message_id: int
    chat: ChatRef
    text: str | None = None
    location: Location | None = None
    photo: tuple[PhotoSize, ...] = ()


@dataclass(frozen=True, slots=True)
class CallbackQuery:
    id: str
    data: str | None
    # None when Telegram no longer gives the message (too old): the press is only answered.
    message: Message | None


@dataclass(frozen=True, slots=True)
class Update:
    update_id: int
    message: Message | None = None
    callback_query: CallbackQuery | None = None


class _NotAnUpdate(ValueError):
    pass


def _int(value: Any) -> int:
    if type(value) is not int:
        raise _NotAnUpdate
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _NotAnUpdate
    return value


def _number(value: Any) -> float:
    if type(value) not in (int, float):
        raise _NotAnUpdate
    return float(value)


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _NotAnUpdate
    return value


def _message(raw: Any) -> Message:
    raw = _dict(raw)
    chat = _dict(raw.get("chat"))
    text = raw.get("text")
    location = None
    if raw.get("location") is not None:
        place = _dict(raw["location"])
        accuracy = place.get("horizontal_accuracy")
        location = Location(
            _number(place.get("latitude")),
            _number(place.get("longitude")),
            _number(accuracy) if accuracy is not None else None,
        )
    photo: tuple[PhotoSize, ...] = ()
    if raw.get("photo") is not None:
        sizes = raw["photo"]
        if not isinstance(sizes, list):
            raise _NotAnUpdate
        photo = tuple(PhotoSize(_str(_dict(size).get("file_id"))) for size in sizes)
    return Message(
        message_id=_int(raw.get("message_id")),
        chat=ChatRef(_int(chat.get("id")), _str(chat.get("type"))),
        text=_str(text) if text is not None else None,
        location=location,
        photo=photo,
    )


def _callback_query(raw: Any) -> CallbackQuery:
    raw = _dict(raw)
    data = raw.get("data")
    message = raw.get("message")
    # An inaccessible message (date 0) cannot be edited: treated as none.
    accessible = isinstance(message, dict) and message.get("date") != 0
    return CallbackQuery(
        id=_str(raw.get("id")),
        data=_str(data) if data is not None else None,
        message=_message(message) if accessible else None,
    )


def parse(raw: Any) -> Update | None:
    """The update in ``raw`` (Telegram's JSON, decoded), or None if it is not one."""
    try:
        raw = _dict(raw)
        message = raw.get("message")
        query = raw.get("callback_query")
        return Update(
            update_id=_int(raw.get("update_id")),
            message=_message(message) if message is not None else None,
            callback_query=_callback_query(query) if query is not None else None,
        )
    except _NotAnUpdate:
        return None
