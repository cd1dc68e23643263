"""POST /api/v1/submissions and reading one back."""

import uuid

from fastapi import APIRouter, Request, Response, status

from app.config import Settings
from app.db import DatabaseDep, SessionDep
from app.i18n import LangDep
from app.submissions import service
from app.submissions.schemas import SubmissionCreate, SubmissionResult

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])

ERRORS: dict[int | str, dict[str, str]] = {
    409: {"description": "The id was already used for a different submission."},
    422: {"description": "Unknown item or option, wrong version, location outside Almaty..."},
    503: {"description": "The database is unavailable; retry later."},
}


@router.post(
    "",
    response_model=SubmissionResult,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Already stored (a retry): the same answer again."}, **ERRORS},
)
def create_submission(
    data: SubmissionCreate, request: Request, response: Response, db: DatabaseDep, lang: LangDep
) -> SubmissionResult:
    """Store a filled checklist and return its score. Safe to retry with the same ``id``."""
    state = request.app.state
    settings: Settings = state.settings
    # Committed before we answer: an acknowledged submission is durable.
    with db.write_session() as session:
        accepted = service.submit(
            session, data=data, registry=state.checklists, areas=state.areas, settings=settings
        )
    if not accepted.created:
        response.status_code = status.HTTP_200_OK
    return service.result_of(
        accepted.submission, registry=state.checklists, lang=lang, score=accepted.score
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
