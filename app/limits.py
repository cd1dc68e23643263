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
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"")
        multipart = content_type[:19].lower() == b"multipart/form-data"
        page = not scope["path"].startswith("/api/")
        if multipart and page and self._form:
            limit, refusal = self._form
        elif multipart and self._upload:
            limit, refusal = self._upload
        else:
            limit, refusal = self._body
        declared = headers.get(b"content-length")
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
        from starlette.requests import Request

        from app.errors import error_page
        from app.translations import gettext

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
