"""The checklist file format, validated by Pydantic when a version file is loaded."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.platform.languages import Lang

Role = Literal["resident", "inspector", "cooperative"]
Responsible = Literal["cooperative", "akimat", "police", "utility", "residents", "owner"]
ALL_ROLES: tuple[Role, ...] = ("resident", "inspector", "cooperative")
NOT_APPLICABLE = "na"

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class I18nText(Strict):
    """A text in the three interface languages; none may be empty."""

    ru: str = Field(min_length=1)
    kk: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: Lang) -> str:
        return str(getattr(self, lang))


class Option(Strict):
    value: str
    label: I18nText
    # 0.0 = no risk from this answer, 1.0 = the full risk the item stands for.
    # None only on unscored items (e.g. "how safe do you feel").
    risk: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("value")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value) or value == NOT_APPLICABLE:
            raise ValueError(f"option value {value!r} must be a lower-case slug other than 'na'")
        return value


class Item(Strict):
    id: str
    question: I18nText
    why: I18nText
    options: list[Option] = Field(min_length=2)
    weight: float = Field(default=1.0, gt=0.0, le=10.0)
    critical: bool = False
    roles: list[Role] = Field(default_factory=lambda: list(ALL_ROLES))
    remedy: I18nText | None = None
    responsible: list[Responsible] = Field(default_factory=list)
    scored: bool = True
    allow_na: bool = False
    # Norms and references (e.g. "6 lx at main entrances"), shown to inspectors.
    note: I18nText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        if not self.roles:
            raise ValueError("at least one role must be allowed to answer")
        risks = [o.risk for o in self.options]
        if self.scored:
            if any(r is None for r in risks):
                raise ValueError("every option of a scored item needs a risk")
            if min(r for r in risks if r is not None) != 0.0:
                raise ValueError("a scored item needs a safe option (risk 0.0)")
            if max(r for r in risks if r is not None) != 1.0:
                raise ValueError("a scored item needs a worst option (risk 1.0)")
            if self.remedy is None or not self.responsible:
                raise ValueError("a scored item needs a remedy and a responsible party")
            if self.critical and self.weight < 1:
                raise ValueError("a critical item cannot weigh less than 1")
        else:
            if any(r is not None for r in risks):
                raise ValueError("an unscored item's options carry no risk")
            if self.critical:
                raise ValueError("an unscored item cannot be critical")
        return self

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Section(Strict):
    id: str
    # The CPTED principle the section serves (natural surveillance, access control, ...).
    principle: str
    title: I18nText
    description: I18nText | None = None
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _item_ids(self) -> Section:
        if not _SLUG.match(self.id):
            raise ValueError(f"section id {self.id!r} must be a lower-case slug")
        for item in self.items:
            prefix, _, rest = item.id.partition(".")
            if prefix != self.id or not _SLUG.match(rest):
                raise ValueError(f"item id {item.id!r} must look like '{self.id}.some_slug'")
        return self


class Checklist(Strict):
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    published: date
    title: I18nText
    intro: I18nText
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Checklist:
        ids = [i.id for s in self.sections for i in s.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {', '.join(dupes)}")
        sections = [s.id for s in self.sections]
        if len(set(sections)) != len(sections):
            raise ValueError("duplicate section ids")
        return self

    @property
    def version_key(self) -> tuple[int, int]:
        year, number = self.version.split(".")
        return int(year), int(number)

    def items(self) -> list[Item]:
        return [i for s in self.sections for i in s.items]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items() if i.id == item_id), None)
