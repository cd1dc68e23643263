"""The contexts of the result page and the yard page (documented per template)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.channels.pages import photo_upload, scores
from app.channels.pages.places import area_name, district_names, yard_history, yard_place
from app.channels.web.formatting import Formatter
from app.checklists.schemas import checklist_public
from app.context import AppContext
from app.photos import service as photos_service
from app.photos.schemas import thumb_url
from app.platform.errors import Unavailable
from app.platform.languages import Lang
from app.submissions import service as submissions_service
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk import current_risk


def result_context(
    state: AppContext,
    session: Session,
    *,
    submission: Submission,
    lang: Lang,
    photo_refused: str,
) -> dict[str, Any]:
    """Context of ``pages/result.html``."""
    registry = state.checklists
    result = submissions_service.result_of(submission, registry=registry, lang=lang)
    loaded = registry.get(submission.checklist_version)
    if loaded is None:  # pragma: no cover - every stored version is registered at start-up
        raise Unavailable(f"Checklist version {submission.checklist_version} is not loaded.")
    items = scores.items_by_id(checklist_public(loaded, lang))
    yard = session.get(Yard, submission.yard_id)
    fmt = Formatter(lang)
    max_mb = photo_upload.max_bytes(state.settings) // (1024 * 1024)
    return {
        "result": result,
        "place": yard_place(
            yard, district_names(session, lang), area=area_name(session, yard.micro_district_id)
        )
        if yard
        else None,
        "bars": scores.bars(result),
        "fix_plan": scores.fix_plan_sentence(result, fmt),
        "critical": scores.answered(result.critical_failed, submission.answers, items),
        "feelings": [
            (items[p.item_id].question if p.item_id in items else "", p.label)
            for p in result.perception
        ],
        # The holder sees their photos at once, whatever staff decided (others: approved only).
        "photos": [
            {
                "thumb_url": thumb_url(photo.id),
                "question": items[photo.item_id].question if photo.item_id in items else "",
                "state": photo.state,
            }
            for photo in photos_service.photos_for(session, submission_id=submission.id)
        ],
        "photo_refusals": [
            scores.photo_refusal_sentence(r, items, max_mb=max_mb)
            for r in photo_upload.parse_refusals(photo_refused, items)
        ],
    }


def yard_context(
    state: AppContext, session: Session, *, yard: Yard, lang: Lang, staff: bool = False
) -> dict[str, Any]:
    """Context of ``pages/yard.html`` (``staff``: with the address its first sender typed)."""
    assert yard.id is not None
    window_days = state.settings.current_risk_window_days
    current = current_risk(
        session, yard_id=yard.id, registry=state.checklists, window_days=window_days, lang=lang
    )
    score = current.score
    fmt = Formatter(lang)
    return {
        "place": yard_place(
            yard,
            district_names(session, lang),
            staff=staff,
            area=area_name(session, yard.micro_district_id),
        ),
        "current": current,
        "score": score,
        "bars": scores.bars(score) if score else [],
        "fix_plan": scores.fix_plan_sentence(score, fmt) if score else None,
        "history": yard_history(session, yard_id=yard.id),
    }
