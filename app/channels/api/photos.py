"""Uploading a photo of a checklist item, listing a submission's photos, and serving them.

Plain ``def`` routes: FastAPI runs them in its thread pool, so image work never blocks the
event loop. Photos are served only here, from the data directory, never as static files.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, Form, Header, Path, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import UUID4

from app.channels.web.context import ContextDep, context_of
from app.photos import service, uploads
from app.photos.processing import too_large
from app.photos.schemas import PhotoPublic, photo_url
from app.platform.db import DatabaseDep, SessionDep
from app.platform.errors import NotFound
from app.platform.security.openapi import CHOICES, ITEMS

router = APIRouter(tags=["photos"])
log = logging.getLogger("safeyard")

SERVE_HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


NO_PHOTO: dict[int | str, dict[str, str]] = {404: {"description": "No such photo."}}

SubmissionId = Annotated[
    UUID4, Path(description="The submission's id: the version-4 UUID its phone made.")
]


def _read_capped(file: BinaryIO, max_bytes: int, filename: str | None) -> bytes:
    # One byte past the limit is enough to know it is too large; never more in memory.
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes, filename)
    return data


@router.post(
    "/api/v1/submissions/{submission_id}/photos",
    response_model=PhotoPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": PhotoPublic, "description": "Already stored (a retry): the same photo."},
        401: {"description": "upload_token_missing: no X-Upload-Token header; nothing stored."},
        403: {
            "description": "upload_token_invalid (not this submission's token) or "
            "upload_window_closed (SAFEYARD_PHOTO_UPLOAD_WINDOW_H passed); nothing stored."
        },
        404: {"description": "No such submission (send the checklist first); nothing stored."},
        409: {"description": "The id belongs to another photo, or the submission is full."},
        413: {"description": "too_large: the file is over the limit; nothing stored."},
        415: {"description": "not_an_image or unsupported_type; nothing stored."},
        422: {
            "description": "too_many_pixels, a malformed item_id, an item the submission's "
            "checklist lacks, or an id that is not a version-4 UUID; nothing stored."
        },
        429: {"description": "Too many uploads from this address; retry after Retry-After."},
    },
)
def upload_photo(
    submission_id: SubmissionId,
    item_id: Annotated[
        str,
        Form(
            max_length=80,
            description="The checklist item shown.",
            json_schema_extra={CHOICES: ITEMS},
        ),
    ],
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or HEIC, by content.")],
    context: ContextDep,
    response: Response,
    db: DatabaseDep,
    photo_id: Annotated[
        uuid.UUID | None, Form(description="The photo's id, made by the client for retries.")
    ] = None,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
    upload_token: Annotated[
        str | None,
        Header(
            alias=uploads.TOKEN_HEADER,
            max_length=200,
            description="The photo_upload_token from the answer to the submission's POST.",
        ),
    ] = None,
) -> PhotoPublic:
    """Attach a photo to one item of a stored submission, with its ``X-Upload-Token``.

    Accepted within SAFEYARD_PHOTO_UPLOAD_WINDOW_H hours of storing the checklist. Retries
    with the same ``photo_id`` or ``Idempotency-Key`` answer 200 with the photo stored the
    first time; nothing is stored twice. A resident's photo is pending until staff approve it.
    """
    settings = context.settings
    wanted = service.photo_id_for(
        submission_id=submission_id, photo_id=photo_id, idempotency_key=idempotency_key
    )
    with db.session() as session:
        target = uploads.authorize(
            session,
            secret=context.secret_key,
            registry=context.checklists,
            submission_id=submission_id,
            token=upload_token,
        )
        existing = service.check_upload(
            session, settings=settings, target=target, item_id=item_id, photo_id=wanted
        )
    if existing is None:
        data = _read_capped(file.file, settings.photo_max_bytes, file.filename)
        # Outside any transaction: the SQLite write lock is not held while Pillow works.
        processed = service.process(data, settings=settings, filename=file.filename)
        with db.write_session() as session:
            # Again inside the write: the cap is counted under the submission's row lock.
            target = uploads.load_target(
                session, submission_id=submission_id, registry=context.checklists, lock=True
            )
            stored = service.save_processed(
                session,
                settings=settings,
                target=target,
                item_id=item_id,
                processed=processed,
                photo_id=wanted,
            )
        photo, created = stored.photo, stored.created
    else:
        photo, created = existing, False
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = photo_url(photo.id)
    return PhotoPublic.of(photo)


@router.get("/api/v1/submissions/{submission_id}/photos", response_model=list[PhotoPublic])
def list_photos(submission_id: SubmissionId, session: SessionDep) -> list[PhotoPublic]:
    """The photos sent for a submission, oldest first, pending ones included (its id is the
    sender's capability); empty if none or no such submission."""
    return [PhotoPublic.of(p) for p in service.photos_for(session, submission_id=submission_id)]


def _serve(request: Request, session: SessionDep, photo_id: uuid.UUID, *, thumb: bool) -> Response:
    photo = service.find_photo(session, photo_id)
    if photo is None:
        raise NotFound(f"No photo {photo_id}.")
    path = service.file_path(context_of(request.scope).settings, photo, thumb=thumb)
    if not path.is_file():
        log.warning("a photo row has no file on disk (id not logged: it opens the photo)")
        raise NotFound(f"No photo {photo_id}.")
    return FileResponse(path, media_type="image/jpeg", headers=SERVE_HEADERS)


@router.get("/photos/{photo_id:uuid}.jpg", response_class=FileResponse, responses=NO_PHOTO)
def photo_file(photo_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    """The photo as a JPEG (longest side at most SAFEYARD_PHOTO_MAX_SIDE_PX)."""
    return _serve(request, session, photo_id, thumb=False)


@router.get("/photos/{photo_id:uuid}/thumb.jpg", response_class=FileResponse, responses=NO_PHOTO)
def thumb_file(photo_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    """The photo's thumbnail as a JPEG (longest side at most SAFEYARD_PHOTO_THUMB_SIDE_PX)."""
    return _serve(request, session, photo_id, thumb=True)
