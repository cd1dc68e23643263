"""What a yard report says about its answers: section scores, every failing item with its
remedy, who is responsible and its photos, the plan of what to fix first."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from app.channels.reports.yard_models import FailingItem, PlanStep, SectionLine
from app.checklists.loader import LoadedChecklist
from app.checklists.schemas import parties
from app.photos import service as photos_service
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import table_of
from app.platform.languages import Lang
from app.scoring import ScoreResult, band_for
from app.submissions.models import Submission

FIX_PLAN_STEPS = 3
PHOTOS_PER_ITEM = 3
PHOTOS_PER_REPORT = 24

_SUBMISSION = table_of(Submission)


def explain(
    loaded: LoadedChecklist,
    score: ScoreResult,
    answers: Mapping[str, str],
    lang: Lang,
    photos: Mapping[str, tuple[str, ...]],
) -> tuple[tuple[SectionLine, ...], tuple[FailingItem, ...], tuple[PlanStep, ...], tuple[str, ...]]:
    """Sections, every failing item (not only the top five of the result page), the plan."""
    items = loaded.items_by_id
    titles = {s.id: s.title.get(lang) for s in loaded.checklist.sections}
    sections = tuple(
        SectionLine(
            titles[s.section],
            s.risk_index,
            band_for(s.risk_index) if s.risk_index is not None else None,
        )
        for s in score.sections
    )
    failing = []
    for f in score.factors:
        item = items[f.item_id]
        option = item.option(answers[f.item_id])
        failing.append(
            FailingItem(
                item_id=f.item_id,
                section=titles[f.section],
                question=item.question.get(lang),
                answer=option.label.get(lang) if option else answers[f.item_id],
                weight=f.weight,
                risk=f.risk,
                critical=f.critical,
                points=f.points,
                index_if_fixed=f.index_if_fixed,
                remedy=item.remedy.get(lang) if item.remedy else "",
                responsible=tuple(p.label for p in parties(list(item.responsible), lang)),
                photos=photos.get(f.item_id, ()),
            )
        )
    plan = tuple(
        PlanStep(items[s.item_id].question.get(lang), s.index_after, s.band_after)
        for s in score.fix_plan(FIX_PLAN_STEPS)
    )
    critical = tuple(items[i].question.get(lang) for i in score.critical_failed)
    return sections, tuple(failing), plan, critical


def photos_of(
    session: Session,
    settings: Settings,
    *,
    submission_ids: Sequence[uuid.UUID],
    item_ids: set[str],
    states: Sequence[str],
) -> dict[str, tuple[str, ...]]:
    """Thumbnails per failing item, newest first, a few per item; files that exist only;
    photos in ``states`` only (approved ones in anything given beyond the sender)."""
    if not submission_ids or not item_ids:
        return {}
    found = session.exec(
        sqlmodel_select(Photo)
        .where(
            col(Photo.submission_id).in_(list(submission_ids)),
            col(Photo.item_id).in_(item_ids),
            col(Photo.state).in_(list(states)),
        )
        .order_by(col(Photo.created_at).desc(), col(Photo.id))
    ).all()
    out: dict[str, list[str]] = defaultdict(list)
    total = 0
    for photo in found:
        if total >= PHOTOS_PER_REPORT or len(out[photo.item_id]) >= PHOTOS_PER_ITEM:
            continue
        path = photos_service.file_path(settings, photo, thumb=True)
        if path.is_file():
            out[photo.item_id].append(str(path))
            total += 1
    return {k: tuple(v) for k, v in out.items()}


def window_photo_sources(
    session: Session, *, yard_id: int, since: datetime | None, basis: str
) -> list[uuid.UUID]:
    """The submissions of the kept row's window whose photos show its consensus: the audit
    it comes from, or the residents' checks."""
    if since is None:
        return []
    s = _SUBMISSION.c
    rows = session.execute(
        select(s.id, s.role)
        .where(s.yard_id == yard_id, s.received_at >= since)
        .order_by(s.received_at.desc())
    ).all()
    if basis == "inspector_audit":
        return [r.id for r in rows if r.role == "inspector"][:1]
    return [r.id for r in rows if r.role != "inspector"]
