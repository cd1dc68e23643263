"""/methodology: how the risk index, an area's coverage-aware risk and its flags are computed,
with this installation's limits (the PDF reports point here; docs/METHODOLOGY.md is the long
form for developers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.channels.web.context import ContextDep
from app.channels.web.formatting import Formatter
from app.platform import translations
from app.platform.templating import render

router = APIRouter(include_in_schema=False)

PATH = "/methodology"  # the reports print it (app/channels/reports/links.py)


@router.get(PATH, response_class=HTMLResponse)
def methodology_page(context: ContextDep, request: Request) -> HTMLResponse:
    """The method in the reader's language; public, like the index it explains."""
    settings = context.settings
    return render(
        request,
        "pages/methodology.html",
        {
            "fmt": Formatter(translations.current_lang.get()),
            "checklist_version": context.checklists.current.version,
            "window_days": settings.current_risk_window_days,
            "problem_risk": settings.problem_area_risk,
            "problem_probability": settings.problem_area_probability,
            "unsure_probability": settings.area_unsure_probability,
            "min_audited": settings.area_min_audited,
            "cluster_fdr": settings.cluster_fdr,
            "cluster_min_neighbours": settings.cluster_min_neighbours,
            "stale_days": settings.area_stale_days,
        },
    )
