"""GET /healthz: is the database answering?"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.channels.web.context import ContextDep

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    responses={503: {"description": "The database does not answer; retry after Retry-After."}},
)
def healthz(context: ContextDep) -> JSONResponse:
    """200 when the database answers; 503 with Retry-After when it does not."""
    try:
        with context.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse(
        {
            "status": "ok",
            "database": context.db.engine.dialect.name,
            "checklist_version": context.checklists.current.version,
            "areas_loaded": context.areas is not None,
        }
    )
