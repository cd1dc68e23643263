"""POST /api/v1/submissions and reading one back."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import UUID4, ValidationError
from sqlmodel import Session

from app.accounts.scope import Scope
from app.channels.web.auth_deps import current_user, submitter_role
from app.channels.web.context import context_of
from app.intake import group_commit
from app.intake import service as intake
from app.photos.uploads import upload_token
from app.platform.config import Settings
from app.platform.db import SessionDep
from app.platform.i18n import LangDep, LangQuery, negotiate_lang
from app.platform.limits import UniqueKeysRoute
from app.submissions import service
from app.submissions.schemas import SubmissionCreate, SubmissionResult


class SubmissionsRoute(UniqueKeysRoute):
    """UniqueKeysRoute (a JSON body holding a key twice is refused, naming the key) that
    answers the common POST itself: a JSON body that makes a valid ``SubmissionCreate``,
    no query string. FastAPI's parameter solving was ~15% of this route's CPU on the event
    loop; anything else (an invalid body, ``?lang=``, another content type) goes through
    FastAPI as before, which reads, validates and refuses it the same way."""

    async def answer_json(self, request: Request, body: Any) -> Response | None:
        if (
            self.endpoint is not create_submission
            or request.scope["query_string"]
            or request.headers.get("content-type") != "application/json"
        ):
            return None
        try:
            data = SubmissionCreate.model_validate(body)
        except ValidationError:
            return None  # FastAPI validates it again and names every problem
        return await create_submission(data, request)


router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"], route_class=SubmissionsRoute)

ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "The body is not JSON (malformed, or not UTF-8); nothing stored."},
    403: {
        "description": "An inspector's audit of a yard outside the areas they inspect; "
        "nothing stored."
    },
    409: {"description": "The id was already used for a different submission."},
    413: {"description": "The body is over SAFEYARD_MAX_BODY_BYTES; nothing stored."},
    422: {
        "description": "Unknown item or option, wrong version, location outside Almaty, a "
        "string for a number, a JSON key given twice, a control character in text, an id that "
        "is not a version 4 UUID, client_created_at out of range...; nothing stored."
    },
    429: {"description": "Too many submissions from this address; retry after Retry-After."},
    503: {
        "description": "The database is unavailable or locked (the wait reached "
        "SAFEYARD_DATABASE_LOCK_TIMEOUT_S); nothing stored: retry after Retry-After."
    },
}


def _ref(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


# What a client may do next with the answer (OpenAPI links; Schemathesis follows them).
RESULT_LINKS: dict[str, dict[str, Any]] = {
    "ReadSubmission": {
        "operationRef": _ref("/api/v1/submissions/{submission_id}", "get"),
        "parameters": {"submission_id": "$response.body#/id"},
    },
    "ReadYard": {
        "operationRef": _ref("/api/v1/yards/{yard_id}", "get"),
        "parameters": {"yard_id": "$response.body#/yard_id"},
    },
    "UploadPhoto": {
        "operationRef": _ref("/api/v1/submissions/{submission_id}/photos", "post"),
        "parameters": {
            "submission_id": "$response.body#/id",
            "header.X-Upload-Token": "$response.body#/photo_upload_token",
        },
    },
    "ListPhotos": {
        "operationRef": _ref("/api/v1/submissions/{submission_id}/photos", "get"),
        "parameters": {"submission_id": "$response.body#/id"},
    },
}


@router.post(
    "",
    response_class=Response,
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {
            "model": SubmissionResult,
            "description": "Stored and scored.",
            "links": RESULT_LINKS,
        },
        200: {
            "model": SubmissionResult,
            "description": "Already stored (a retry): the same.",
            "links": RESULT_LINKS,
        },
        **ERRORS,
    },
)
async def create_submission(
    data: SubmissionCreate,
    request: Request,
    lang: LangQuery = None,
) -> Response:
    """Store a filled checklist and return its score. Safe to retry with the same ``id``."""
    # What LangDep, DatabaseDep and CurrentUser give, without FastAPI solving three
    # dependencies per request (~25-30 us of this hottest route's CPU); the same parameter
    # and validation of ``lang``, the same user (None without a session cookie).
    language = negotiate_lang(lang, request.headers.get("accept-language"))
    user = await current_user(request)
    state = context_of(request.scope)
    db = state.db
    settings: Settings = state.settings

    def store(session: Session) -> intake.Received:
        return intake.receive_checklist(
            session,
            data=data,
            registry=state.checklists,
            areas=state.areas,
            settings=settings,
            role=submitter_role(user),
            audit_scope=Scope.of(session, user),
        )

    # Stored with the other submissions waiting (one transaction, one thread hop) and
    # committed before we answer: an acknowledged submission is durable.
    accepted = await group_commit.writer_of(db).run(store)
    submission = accepted.submission
    # Serialised once here from plain values, no model validated: this is the hottest route.
    body = service.result_json(
        submission,
        registry=state.checklists,
        lang=language,
        score=accepted.score,
        # Derived, not stored: a replay (a lost answer) hands out the same token again.
        photo_upload_token=upload_token(state.secret_key, submission.id),
    )
    return Response(
        body,
        status_code=status.HTTP_201_CREATED if accepted.created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.get(
    "/{submission_id}",
    response_model=SubmissionResult,
    responses={
        404: {"description": "No such submission."},
        422: {"description": "submission_id is not a version 4 UUID."},
    },
)
def read_submission(
    submission_id: Annotated[
        UUID4, Path(description="The submission's id: a random version 4 UUID, its key.")
    ],
    request: Request,
    response: Response,
    session: SessionDep,
    lang: LangDep,
) -> SubmissionResult:
    """A stored submission's result (for the resident who holds its id)."""
    # Its id is a capability: never in a shared or HTTP cache.
    response.headers["Cache-Control"] = "private, no-store"
    submission = service.get_submission(session, submission_id)
    return service.result_of(submission, registry=context_of(request.scope).checklists, lang=lang)
