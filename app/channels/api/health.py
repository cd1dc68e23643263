"""GET /healthz: is the database answering? Anyone may ask (load balancers, monitoring);
it says which database and checklist version serve, nothing of anyone's data."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.channels.web.context import ContextDep

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    responses={503: {"description": "The database does not answer; retry after Retry-After."}},
)
async def healthz(context: ContextDep) -> JSONResponse:
    """200 when the database answers; 503 with Retry-After when it does not. Async: asked on
    the event loop (``app.platform.health``), so a worker whose threads are all busy still
    answers."""
    if not await context.health.answers():
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
