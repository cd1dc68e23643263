"""Why a photo was refused: one error with a reason code and a message a person can act on."""

from __future__ import annotations

from typing import Literal

from app.platform.errors import AppError

Reason = Literal["too_large", "not_an_image", "unsupported_type", "too_many_pixels"]

STATUS: dict[Reason, int] = {
    "too_large": 413,
    "not_an_image": 415,
    "unsupported_type": 415,
    "too_many_pixels": 422,
}


class PhotoRejected(AppError):
    """A photo refused before anything was stored; ``reason`` is also the API's error code."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message, details=[{"field": "file", "reason": reason}])
        self.reason: Reason = reason
        self.code = reason
        self.status_code = STATUS[reason]
