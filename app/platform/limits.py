"""A cap on request body size, enforced before anything reads the body.

JSON and other bodies get ``max_bytes``; a ``multipart/form-data`` body (a photo upload) may
carry a file of ``upload_max_bytes`` plus 64 KB for the form's other fields and boundaries.
The no-JavaScript checklist form (a page, not the API) carries all its photos at once, so it
may hold ``FORM_PHOTOS`` of them; each photo is still checked on its own by the photo service.
Pages get the refusal as an HTML page in the reader's language, the API as JSON.

FastAPI's own ``max_body_size`` answers a plain-text "Content Too Large" from outside the
exception handlers; this one answers in the API's error shape with the limit in the message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_OVERHEAD_BYTES = 64 * 1024
FORM_PHOTOS = 5


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Answer 413 to bodies over the limit (declared or streamed), before parsing them."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._body = (max_bytes, f"The request body is larger than {max_bytes // 1024} KB.")
        self._upload: tuple[int, str] | None = None
        self._form: tuple[int, str] | None = None
        if upload_max_bytes is not None:
            self._form = (
                upload_max_bytes * FORM_PHOTOS + MULTIPART_OVERHEAD_BYTES,
                "form_too_large",
            )
            megabytes = round(upload_max_bytes / (1024 * 1024), 1)
            self._upload = (
                upload_max_bytes + MULTIPART_OVERHEAD_BYTES,
                f"The upload is larger than {megabytes:g} MB; "
                "take the photo again at a lower resolution.",
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = b""
        declared: bytes | None = None
        for name, value in scope["headers"]:
            # The last of each, as a dict of the headers kept them.
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                declared = value
        multipart = content_type[:19].lower() == b"multipart/form-data"
        page = not scope["path"].startswith("/api/")
        if multipart and page and self._form:
            limit, refusal = self._form
        elif multipart and self._upload:
            limit, refusal = self._upload
        else:
            limit, refusal = self._body
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, refusal, scope)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if seen > limit:
                # The app turned BodyTooLarge into an error of its own (FastAPI: a 400 for a
                # form it could not read): answer 413 instead.
                if not started:
                    started = True
                    await self._refuse(send, refusal, scope)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, refusal, scope)

    async def _refuse(self, send: Send, message: str, scope: Scope) -> None:
        if message == "form_too_large":
            await self._refuse_page(send, scope)
            return
        body = json.dumps({"error": "too_large", "message": message, "details": []}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _refuse_page(self, send: Send, scope: Scope) -> None:
        # Imported here: the API's hot path never needs the templates.
        from app.platform.errors import error_page
        from app.platform.translations import gettext

        assert self._form is not None
        megabytes = self._form[0] // (1024 * 1024)
        message = gettext(
            "The form with its photos is larger than %(mb)s MB. Go back: your answers are still "
            "in the form. Remove a photo or two and send again.",
            mb=megabytes,
        )
        request = Request(scope)
        response = error_page(request, 413, message)

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        await response(scope, no_body, send)


# --- Text a client sends: no control characters ----------------------------------------------
# PostgreSQL cannot store NUL in text (a 500 before this check; SQLite stored it), lone
# surrogates cannot be encoded as UTF-8 at all, and other C0/C1 controls have no place in an
# address, a name or a comment (they rewrite terminals and logs). Single-line text refuses every
# control character; multi-line text (comments) keeps tab, line feed and carriage return.
# Format characters (Unicode Cf: zero-width joiners, direction marks) are allowed: Kazakh and
# Russian text typed on phones carries them.
# Regex escapes, not the characters: C0, DEL, C1 and the surrogate range.
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character in ``text`` as ``U+0000``, or None when there is none."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def has_control_character(text: str) -> bool:
    """Whether single-line ``text`` holds a control character (one search, no message)."""
    return _SINGLE_LINE.search(text) is not None


@dataclass(frozen=True)
class WithJsonSchemaPattern:
    """Adds ``pattern`` to a string's JSON Schema, keeping the rest (maxLength...)."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


def _refuse_controls(multiline: bool) -> Callable[[str], str]:
    def check(value: str) -> str:
        found = control_character(value, multiline=multiline)
        if found is not None:
            raise PydanticCustomError(
                "control_character",
                "contains a control character ({char}); remove it and send again",
                {"char": found},
            )
        return value

    return check


# The same rule, declared in the OpenAPI schema (JSON Schema "pattern", \u escapes).
SINGLE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
MULTI_LINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"

NO_CONTROLS = AfterValidator(_refuse_controls(False))
"""The check alone (for a dict's keys: a pattern there would loosen the schema)."""
SingleLineText = Annotated[str, NO_CONTROLS, WithJsonSchemaPattern(SINGLE_LINE_PATTERN)]
"""A line of text (an address, a name, an email, an id): no control characters at all."""
MultiLineText = Annotated[
    str, AfterValidator(_refuse_controls(True)), WithJsonSchemaPattern(MULTI_LINE_PATTERN)
]
"""Free text (a comment): no control characters but tab, line feed and carriage return."""


# --- JSON bodies: a key given twice is refused ------------------------------------------------
# json.loads keeps the last of two equal keys, so {"lat": 1, "lat": 2} would mean whatever the
# last parser in a chain decides. A client that sends a key twice is refused, naming the key.


class DuplicateKey(ValueError):
    def __init__(self, path: tuple[str | int, ...]) -> None:
        super().__init__(f"duplicate key at {path}")
        self.path = path


class _Found(Exception):
    pass


class _Marked(dict[str, Any]):
    """An object that held a key twice (only built on the error path, to find where)."""

    duplicate: str = ""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Found
    return obj


def _marking_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    marked = _Marked(obj)
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


KeyPath = tuple[str | int, ...]


def _path_to_duplicate(value: Any, path: KeyPath = ()) -> KeyPath | None:
    if isinstance(value, _Marked):
        return (*path, value.duplicate)
    children: Any = ()
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    for key, child in children:
        found = _path_to_duplicate(child, (*path, key))
        if found is not None:
            return found
    return None


# json.loads builds a decoder per call when given a hook; this one is built once.
_UNIQUE_DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs)


def loads_unique(data: bytes | str) -> Any:
    """``json.loads`` that raises ``DuplicateKey`` (with the key's path) when an object, at any
    depth, holds a key twice. One cheap check per object; the path is found only on refusal."""
    try:
        if isinstance(data, str):
            return json.loads(data, object_pairs_hook=_unique_pairs)  # its BOM check
        # What json.loads does with bytes: the encoding from the first bytes (UTF-8/16/32).
        return _UNIQUE_DECODER.decode(data.decode(json.detect_encoding(data), "surrogatepass"))
    except _Found:
        path = _path_to_duplicate(json.loads(data, object_pairs_hook=_marking_pairs))
        raise DuplicateKey(path or ()) from None


class UniqueKeysRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_unique(await self.body())
        return self._json


class UniqueKeysRoute(APIRoute):
    """A route whose JSON body is refused (422 naming the key) when it holds a key twice."""

    async def answer_json(self, request: Request, body: Any) -> Response | None:
        """A subclass's own answer to a request whose body is JSON (no key twice), before
        FastAPI reads its parameters; None leaves it to FastAPI."""
        return None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def unique_keys_handler(request: Request) -> Response:
            request = UniqueKeysRequest(request.scope, request.receive)
            try:
                body = await request.json()
            except DuplicateKey as exc:
                raise RequestValidationError(
                    [
                        {
                            "type": "duplicate_key",
                            "loc": ("body", *exc.path),
                            "msg": "this key appears twice in its object; send it once",
                        }
                    ]
                ) from None
            except ValueError:
                pass  # not JSON: FastAPI's own reading reports it (422 json_invalid)
            else:
                answer = await self.answer_json(request, body)
                if answer is not None:
                    return answer
            return await handler(request)

        return unique_keys_handler
