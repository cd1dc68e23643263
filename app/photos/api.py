"""Uploading a photo of a checklist item, listing a submission's photos, and serving them.

Plain ``def`` routes: FastAPI runs them in its thread pool, so image work never blocks the
event loop. Photos are served only here, from the data directory, never as static files.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from app.config import Settings
from app.db import DatabaseDep, SessionDep
from app.errors import NotFound
from app.photos import service
from app.photos.processing import too_large
from app.photos.schemas import PhotoPublic, photo_url

router = APIRouter(tags=["photos"])
log = logging.getLogger("safeyard")

SERVE_HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


NO_PHOTO: dict[int | str, dict[str, str]] = {404: {"description": "No such photo."}}


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
        409: {"description": "The id belongs to another photo, or the submission is full."},
        413: {"description": "too_large: the file is over the limit; nothing stored."},
        415: {"description": "not_an_image or unsupported_type; nothing stored."},
        422: {"description": "too_many_pixels, or a malformed item_id; nothing stored."},
        429: {"description": "Too many uploads from this address; retry after Retry-After."},
    },
)
def upload_photo(
    submission_id: uuid.UUID,
    item_id: Annotated[str, Form(max_length=80, description="The checklist item shown.")],
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or HEIC, by content.")],
    request: Request,
    response: Response,
    db: DatabaseDep,
    photo_id: Annotated[
        uuid.UUID | None, Form(description="The photo's id, made by the client for retries.")
    ] = None,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> PhotoPublic:
    """Attach a photo to one item of a submission (which may not have arrived yet).

    Retries with the same ``photo_id`` or ``Idempotency-Key`` answer 200 with the photo
    stored the first time; nothing is stored twice.
    """
    settings: Settings = request.app.state.settings
    wanted = service.photo_id_for(
        submission_id=submission_id, photo_id=photo_id, idempotency_key=idempotency_key
    )
    with db.session() as session:
        existing = service.check_upload(
            session,
            settings=settings,
            submission_id=submission_id,
            item_id=item_id,
            photo_id=wanted,
        )
    if existing is None:
        data = _read_capped(file.file, settings.photo_max_bytes, file.filename)
        # Outside any transaction: the SQLite write lock is not held while Pillow works.
        processed = service.process(data, settings=settings, filename=file.filename)
        with db.write_session() as session:
            stored = service.save_processed(
                session,
                settings=settings,
                submission_id=submission_id,
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
def list_photos(submission_id: uuid.UUID, session: SessionDep) -> list[PhotoPublic]:
    """The photos sent for a submission, oldest first (empty if none or no such submission)."""
    return [PhotoPublic.of(p) for p in service.photos_for(session, submission_id=submission_id)]


def _serve(request: Request, session: SessionDep, photo_id: uuid.UUID, *, thumb: bool) -> Response:
    photo = service.find_photo(session, photo_id)
    if photo is None:
        raise NotFound(f"No photo {photo_id}.")
    path = service.file_path(request.app.state.settings, photo, thumb=thumb)
    if not path.is_file():
        log.warning("photo %s has a row but no file %s", photo_id, path.name)
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
