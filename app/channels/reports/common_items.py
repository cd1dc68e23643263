"""The items most often failing among a district's or micro-district's yards checked in a
month, with who is responsible (the monthly report's "most common problems")."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from app.areas.trend import month_start, shift_month
from app.channels.reports.district_models import CommonItem
from app.checklists.loader import ChecklistRegistry
from app.checklists.schemas import parties
from app.platform.db import table_of
from app.platform.languages import Lang
from app.submissions.models import Submission

COMMON_ITEMS = 10
# An answer at or above this share of its item's risk counts the item as failing in the yard.
FAILING_RISK = 0.5

_SUBMISSION = table_of(Submission)


def common_failing(
    session: Session,
    *,
    registry: ChecklistRegistry,
    month: str,
    lang: Lang,
    district_id: str | None = None,
    micro_district_id: str | None = None,
    limit: int = COMMON_ITEMS,
) -> tuple[tuple[CommonItem, ...], int]:
    """The items most often failing among the yards checked in the month (each yard's latest
    check of the month counts once), with who is responsible; and how many yards were read."""
    s = _SUBMISSION.c
    query = (
        select(s.yard_id, s.checklist_version, s.answers)
        .where(
            s.received_at >= month_start(month),
            s.received_at < month_start(shift_month(month, 1)),
        )
        .order_by(s.yard_id, s.received_at.desc())
    )
    if district_id is not None:
        query = query.where(s.district_id == district_id)
    if micro_district_id is not None:
        query = query.where(s.micro_district_id == micro_district_id)
    seen: set[int] = set()
    failing: Counter[tuple[str, str]] = Counter()  # (checklist version, item id)
    for yard_id, version, answers in session.execute(query):
        if yard_id in seen:
            continue
        seen.add(yard_id)
        loaded = registry.get(version)
        if loaded is None:  # pragma: no cover - every stored version is registered
            continue
        for scored in loaded.scoring.items:
            risk = scored.risk_of(answers.get(scored.id, ""))
            if risk is not None and risk >= FAILING_RISK:
                failing[(version, scored.id)] += 1
    # The same item in two checklist versions counts as one (its id is stable).
    by_item: Counter[str] = Counter()
    version_of: dict[str, str] = {}
    for (version, item_id), count in failing.items():
        by_item[item_id] += count
        version_of.setdefault(item_id, version)
    out = []
    for item_id, count in sorted(by_item.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]:
        loaded = registry.get(version_of[item_id])
        assert loaded is not None
        item = loaded.items_by_id[item_id]
        section = next(
            s for s in loaded.checklist.sections if any(i.id == item_id for i in s.items)
        )
        out.append(
            CommonItem(
                question=item.question.get(lang),
                section=section.title.get(lang),
                yards=count,
                share=count / len(seen),
                responsible=tuple(p.label for p in parties(list(item.responsible), lang)),
            )
        )
    return tuple(out), len(seen)
