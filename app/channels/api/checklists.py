"""The checklist in the reader's language."""

from fastapi import APIRouter, Request

from app.channels.web.context import ContextDep
from app.checklists.schemas import ChecklistPublic, checklist_public
from app.platform.errors import NotFound
from app.platform.i18n import LangDep

router = APIRouter(prefix="/api/v1/checklist", tags=["checklist"])


@router.get("", response_model=ChecklistPublic)
def current_checklist(context: ContextDep, request: Request, lang: LangDep) -> ChecklistPublic:
    """The current checklist: sections, items, options with their risk, weights and texts."""
    return checklist_public(context.checklists.current, lang)


@router.get(
    "/{version}",
    response_model=ChecklistPublic,
    responses={404: {"description": "No such version."}},
)
def checklist_version(
    context: ContextDep, version: str, request: Request, lang: LangDep
) -> ChecklistPublic:
    """An older (or the current) checklist version, as submissions made with it were asked."""
    loaded = context.checklists.get(version)
    if loaded is None:
        known = ", ".join(context.checklists.versions)
        raise NotFound(f"No checklist version {version!r}; known versions: {known}.")
    return checklist_public(loaded, lang)
