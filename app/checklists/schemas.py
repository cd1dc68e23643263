"""The checklist as the API serves it: one language, options with their risk."""

from datetime import date
from functools import cache

from pydantic import BaseModel

from app.checklists.loader import LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE, Item, Lang
from app.checklists.vocabulary import NOT_APPLICABLE_LABEL, RESPONSIBLE_LABELS
from app.scoring import SCORING_VERSION
from app.scoring.engine import BAND_CUTOFFS


class PartyPublic(BaseModel):
    id: str
    label: str


class OptionPublic(BaseModel):
    value: str
    label: str
    risk: float | None


class ItemPublic(BaseModel):
    id: str
    question: str
    why: str
    note: str | None
    options: list[OptionPublic]
    weight: float
    critical: bool
    scored: bool
    allow_na: bool
    roles: list[str]
    remedy: str | None
    responsible: list[PartyPublic]


class SectionPublic(BaseModel):
    id: str
    principle: str
    title: str
    description: str | None
    items: list[ItemPublic]


class BandPublic(BaseModel):
    band: str
    from_index: float


class ChecklistPublic(BaseModel):
    version: str
    published: date
    lang: Lang
    scoring_version: str
    title: str
    intro: str
    bands: list[BandPublic]
    sections: list[SectionPublic]


def parties(ids: list[str], lang: Lang) -> list[PartyPublic]:
    return list(_parties(tuple(ids), lang))


@cache
def _parties(ids: tuple[str, ...], lang: Lang) -> tuple[PartyPublic, ...]:
    # A handful of combinations, asked for on every result: build each once.
    return tuple(PartyPublic(id=p, label=RESPONSIBLE_LABELS[p].get(lang)) for p in ids)  # type: ignore[index]


def _item(item: Item, lang: Lang) -> ItemPublic:
    options = [
        OptionPublic(value=o.value, label=o.label.get(lang), risk=o.risk) for o in item.options
    ]
    if item.allow_na:
        options.append(
            OptionPublic(value=NOT_APPLICABLE, label=NOT_APPLICABLE_LABEL.get(lang), risk=None)
        )
    return ItemPublic(
        id=item.id,
        question=item.question.get(lang),
        why=item.why.get(lang),
        note=item.note.get(lang) if item.note else None,
        options=options,
        weight=item.weight,
        critical=item.critical,
        scored=item.scored,
        allow_na=item.allow_na,
        roles=list(item.roles),
        remedy=item.remedy.get(lang) if item.remedy else None,
        responsible=parties(list(item.responsible), lang),
    )


def checklist_public(loaded: LoadedChecklist, lang: Lang) -> ChecklistPublic:
    c = loaded.checklist
    return ChecklistPublic(
        version=c.version,
        published=c.published,
        lang=lang,
        scoring_version=SCORING_VERSION,
        title=c.title.get(lang),
        intro=c.intro.get(lang),
        bands=[BandPublic(band=b, from_index=f) for b, f in BAND_CUTOFFS.items()],
        sections=[
            SectionPublic(
                id=s.id,
                principle=s.principle,
                title=s.title.get(lang),
                description=s.description.get(lang) if s.description else None,
                items=[_item(i, lang) for i in s.items],
            )
            for s in c.sections
        ],
    )
