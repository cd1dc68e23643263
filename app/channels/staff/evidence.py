"""/inspector/evidence: the latest validation (``safeyard validate``) in plain words, for
inspectors and admins (anonymous visitors: the login page; other roles: 403). The figures
are city-wide aggregates, so every inspector sees the same page whatever their scope."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.channels.reports.validation_words import words
from app.channels.web.auth_deps import RequireInspector
from app.channels.web.context import ContextDep
from app.channels.web.formatting import Formatter
from app.platform import translations
from app.platform.db import SessionDep
from app.platform.templating import render
from app.platform.translations import gettext as _
from app.validation import service as validation_service

router = APIRouter(include_in_schema=False)

PAGE = "/inspector/evidence"


@router.get(PAGE, response_class=HTMLResponse)
def evidence_page(
    request: Request, session: SessionDep, context: ContextDep, _user: RequireInspector
) -> HTMLResponse:
    """The latest run's figures, goals and data; how to run one when there is none."""
    lang = translations.current_lang.get()
    run = validation_service.latest_run(session)
    current = context.checklists.current

    def item_label(item_id: str) -> str:
        item = current.items_by_id.get(item_id)
        return item.question.get(lang) if item is not None else item_id

    found = (
        words(run.result, fmt=Formatter(lang), run_at=run.created_at, item_label=item_label)
        if run is not None
        else None
    )
    return render(
        request,
        "inspectors/evidence.html",
        {
            "w": found,
            "methodology_note": _(
                "How each figure is computed and what it cannot show: docs/VALIDATION.md in "
                "SafeYard's source; how the index itself is computed: the /methodology page."
            ),
        },
    )
