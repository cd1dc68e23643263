"""The residents' pages. Thin: each gathers its context and renders a template."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import translations
from app.checklists.schemas import checklist_public
from app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    checklist = checklist_public(
        request.app.state.checklists.current, translations.current_lang.get()
    )
    questions = sum(1 for s in checklist.sections for i in s.items if "resident" in i.roles)
    return render(request, "pages/home.html", {"checklist": checklist, "question_count": questions})
