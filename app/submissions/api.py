"""POST /api/v1/submissions and reading one back."""

import uuid

from fastapi import APIRouter, Request, Response, status

from app.accounts.deps import CurrentUser, submitter_role
from app.config import Settings
from app.db import DatabaseDep, SessionDep
from app.i18n import LangDep
from app.submissions import service
from app.submissions.schemas import SubmissionCreate, SubmissionResult

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])

ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "The body is not JSON (malformed, or not UTF-8); nothing stored."},
    409: {"description": "The id was already used for a different submission."},
    413: {"description": "The body is over SAFEYARD_MAX_BODY_BYTES; nothing stored."},
    422: {"description": "Unknown item or option, wrong version, location outside Almaty..."},
    429: {"description": "Too many submissions from this address; retry after Retry-After."},
    503: {"description": "The database is unavailable; retry later."},
}


@router.post(
    "",
    response_class=Response,
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"model": SubmissionResult, "description": "Stored and scored."},
        200: {"model": SubmissionResult, "description": "Already stored (a retry): the same."},
        **ERRORS,
    },
)
def create_submission(
    data: SubmissionCreate, request: Request, db: DatabaseDep, lang: LangDep, user: CurrentUser
) -> Response:
    """Store a filled checklist and return its score. Safe to retry with the same ``id``."""
    state = request.app.state
    settings: Settings = state.settings
    # Committed before we answer: an acknowledged submission is durable.
    with db.write_session() as session:
        accepted = service.submit(
            session,
            data=data,
            registry=state.checklists,
            areas=state.areas,
            settings=settings,
            role=submitter_role(user),
        )
    result = service.result_of(
        accepted.submission, registry=state.checklists, lang=lang, score=accepted.score
    )
    # Serialised once here, not validated again by FastAPI: this is the hottest route.
    return Response(
        result.model_dump_json(),
        status_code=status.HTTP_201_CREATED if accepted.created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.get(
    "/{submission_id}",
    response_model=SubmissionResult,
    responses={404: {"description": "No such submission."}},
)
def read_submission(
    submission_id: uuid.UUID, request: Request, session: SessionDep, lang: LangDep
) -> SubmissionResult:
    """A stored submission's result (for the resident who holds its id)."""
    submission = service.get_submission(session, submission_id)
    return service.result_of(submission, registry=request.app.state.checklists, lang=lang)
