"""Turning a score into the explanation people read: texts, remedies, who fixes what."""

from collections.abc import Mapping
from typing import Any, TypeVar

from app.checklists.loader import LoadedChecklist
from app.checklists.schema import Lang
from app.checklists.schemas import parties
from app.scoring import ScoreResult
from app.submissions.schemas import (
    AnswerEcho,
    FactorResult,
    FixPlan,
    FixStepResult,
    ScoreOut,
    SectionResult,
)

Out = TypeVar("Out", bound=ScoreOut)

TOP_FACTORS = 5
FIX_PLAN_STEPS = 3


def explain_score(
    loaded: LoadedChecklist,
    result: ScoreResult,
    answers: Mapping[str, str],
    lang: Lang,
    *,
    into: type[Out] = ScoreOut,  # type: ignore[assignment]
    **extra: Any,
) -> Out:
    """The score with the checklist's words in ``lang``: sections, top factors, fix plan.

    ``into`` a ScoreOut subclass with its ``extra`` fields (built once, not copied).
    """
    items = loaded.items_by_id
    titles = {s.id: s.title.get(lang) for s in loaded.checklist.sections}
    factors = []
    for f in result.top_factors(TOP_FACTORS):
        item = items[f.item_id]
        option = item.option(answers[f.item_id])
        assert item.remedy is not None and option is not None
        factors.append(
            FactorResult(
                item_id=f.item_id,
                section=f.section,
                question=item.question.get(lang),
                answer=option.label.get(lang),
                risk=f.risk,
                weight=f.weight,
                critical=f.critical,
                points=f.points,
                index_if_fixed=f.index_if_fixed,
                remedy=item.remedy.get(lang),
                responsible=parties(list(item.responsible), lang),
            )
        )
    perception = []
    for item_id, value in sorted(answers.items()):
        unscored = items.get(item_id)
        option = unscored.option(value) if unscored and not unscored.scored else None
        if option is not None:
            perception.append(
                AnswerEcho(item_id=item_id, value=value, label=option.label.get(lang))
            )
    return into(
        **extra,
        checklist_version=result.checklist_version,
        scoring_version=result.scoring_version,
        risk_index=result.risk_index,
        band=result.band,
        completeness=result.completeness,
        sections=[
            SectionResult(
                id=s.section,
                title=titles[s.section],
                risk_index=s.risk_index,
                completeness=s.completeness,
                answered=s.answered,
                items=s.items,
            )
            for s in result.sections
        ],
        top_factors=factors,
        fix_plan=FixPlan(
            index_now=result.risk_index,
            steps=[
                FixStepResult(item_id=s.item_id, index_after=s.index_after, band_after=s.band_after)
                for s in result.fix_plan(FIX_PLAN_STEPS)
            ],
        ),
        critical_failed=list(result.critical_failed),
        perception=perception,
    )
