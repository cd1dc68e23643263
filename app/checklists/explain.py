"""A score in the checklist's words: sections, top factors with remedies and who fixes them,
the fix plan. The shapes are the API's (a submission's result, a yard's current risk)."""

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Words:
    """A checklist's words in one language, looked up once, as JSON-ready values."""

    titles: dict[str, str]  # section id -> title
    # (item id, answer) of a scored item -> its question, answer label, remedy, responsible
    factors: dict[tuple[str, str], tuple[str, str, str, list[dict[str, str]]]]
    unscored: tuple[str, ...]  # the unscored items' ids, sorted
    labels: dict[tuple[str, str], str]  # (unscored item id, answer) -> its label


# Per (checklist object, language); the entry holds the checklist, so its id stays its own.
_WORDS: dict[tuple[int, Lang], tuple[LoadedChecklist, _Words]] = {}
_WORDS_KEPT = 64


def _words(loaded: LoadedChecklist, lang: Lang) -> _Words:
    kept = _WORDS.get((id(loaded), lang))
    if kept is not None and kept[0] is loaded:
        return kept[1]
    factors: dict[tuple[str, str], tuple[str, str, str, list[dict[str, str]]]] = {}
    labels: dict[tuple[str, str], str] = {}
    for item in loaded.items_by_id.values():
        for option in item.options:
            label = option.label.get(lang)
            if not item.scored:
                labels[(item.id, option.value)] = label
            elif item.remedy is not None:
                responsible = [p.model_dump() for p in parties(list(item.responsible), lang)]
                factors[(item.id, option.value)] = (
                    item.question.get(lang),
                    label,
                    item.remedy.get(lang),
                    responsible,
                )
    words = _Words(
        titles={s.id: s.title.get(lang) for s in loaded.checklist.sections},
        factors=factors,
        unscored=tuple(sorted(i.id for i in loaded.items_by_id.values() if not i.scored)),
        labels=labels,
    )
    if len(_WORDS) >= _WORDS_KEPT:
        _WORDS.clear()
    _WORDS[(id(loaded), lang)] = (loaded, words)
    return words


def explanation(
    loaded: LoadedChecklist, result: ScoreResult, answers: Mapping[str, str], lang: Lang
) -> dict[str, Any]:
    """ScoreOut's fields as plain JSON-ready values, in its order: what ``explain_score``
    validates into the model, and what the hottest route serialises without it (its
    tests compare the two byte for byte)."""
    words = _words(loaded, lang)
    titles = words.titles
    factors = []
    for f in result.top_factors(TOP_FACTORS):
        question, answer, remedy, responsible = words.factors[(f.item_id, answers[f.item_id])]
        factors.append(
            {
                "item_id": f.item_id,
                "section": f.section,
                "question": question,
                "answer": answer,
                "risk": float(f.risk),
                "weight": float(f.weight),
                "critical": f.critical,
                "points": float(f.points),
                "index_if_fixed": float(f.index_if_fixed),
                "remedy": remedy,
                "responsible": responsible,
            }
        )
    labels = words.labels
    perception = []
    for item_id in words.unscored:
        value = answers.get(item_id)
        label = labels.get((item_id, value)) if value is not None else None
        if label is not None:
            perception.append({"item_id": item_id, "value": value, "label": label})
    risk_index = None if result.risk_index is None else float(result.risk_index)
    return {
        "checklist_version": result.checklist_version,
        "scoring_version": result.scoring_version,
        "risk_index": risk_index,
        "band": result.band,
        "completeness": float(result.completeness),
        "sections": [
            {
                "id": s.section,
                "title": titles[s.section],
                "risk_index": None if s.risk_index is None else float(s.risk_index),
                "completeness": float(s.completeness),
                "answered": s.answered,
                "items": s.items,
            }
            for s in result.sections
        ],
        "top_factors": factors,
        "fix_plan": {
            "index_now": risk_index,
            "steps": [
                {
                    "item_id": s.item_id,
                    "index_after": float(s.index_after),
                    "band_after": s.band_after,
                }
                for s in result.fix_plan(FIX_PLAN_STEPS)
            ],
        },
        "critical_failed": list(result.critical_failed),
        "perception": perception,
    }


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
    # One way of building it (``explanation``), validated into the model here.
    return into.model_validate({**explanation(loaded, result, answers, lang), **extra})
