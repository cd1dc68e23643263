"""A score in the checklist's words: sections, top factors with remedies and who fixes them,
the fix plan. The shapes are the API's (a submission's result, a yard's current risk)."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from app.checklists.loader import LoadedChecklist
from app.checklists.schema import Lang
from app.checklists.schemas import PartyPublic, parties
from app.scoring import ScoreResult


class SectionResult(BaseModel):
    id: str
    title: str
    risk_index: float | None
    completeness: float
    answered: int
    items: int


class FactorResult(BaseModel):
    item_id: str
    section: str
    question: str
    answer: str
    risk: float
    weight: float
    critical: bool
    points: float = Field(description="Index points this answer adds.")
    index_if_fixed: float = Field(description="The index if only this were fixed.")
    remedy: str
    responsible: list[PartyPublic]


class FixStepResult(BaseModel):
    item_id: str
    index_after: float
    band_after: str


class FixPlan(BaseModel):
    index_now: float | None
    steps: list[FixStepResult] = Field(description="Cumulative: fix the first, then the next...")


class AnswerEcho(BaseModel):
    item_id: str
    value: str
    label: str


class ScoreOut(BaseModel):
    checklist_version: str
    scoring_version: str
    risk_index: float | None
    band: str | None
    completeness: float
    sections: list[SectionResult]
    top_factors: list[FactorResult]
    fix_plan: FixPlan
    critical_failed: list[str]
    perception: list[AnswerEcho] = Field(
        description="Unscored answers (how safe people feel), never part of the index."
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
