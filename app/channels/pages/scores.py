"""A score as the pages show it: section bars, the fix plan sentence, failed critical items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.channels.pages.photo_upload import PhotoRefusal
from app.channels.web.formatting import Formatter
from app.checklists.schemas import ChecklistPublic, ItemPublic
from app.platform.translations import gettext, ngettext
from app.scoring import band_for
from app.submissions.schemas import ScoreOut


@dataclass(frozen=True)
class Bar:
    """One section's score; ``width`` is a CSS class step (0, 5 ... 100), not an inline style."""

    title: str
    index: float | None
    band: str | None
    answered: int
    items: int

    @property
    def width(self) -> int:
        return 0 if self.index is None else int(round(self.index / 5) * 5)


@dataclass(frozen=True)
class Answered:
    """A question with the answer given."""

    question: str
    answer: str


def items_by_id(checklist: ChecklistPublic) -> dict[str, ItemPublic]:
    return {i.id: i for s in checklist.sections for i in s.items}


def bars(score: ScoreOut) -> list[Bar]:
    return [
        Bar(
            title=s.title,
            index=s.risk_index,
            band=band_for(s.risk_index) if s.risk_index is not None else None,
            answered=s.answered,
            items=s.items,
        )
        for s in score.sections
    ]


def fix_plan_sentence(score: ScoreOut, fmt: Formatter) -> str | None:
    """'Fix the first three below: 62 → 38' (cumulative), or None when nothing needs fixing."""
    steps = score.fix_plan.steps
    if not steps or score.risk_index is None:
        return None
    return ngettext(
        "Fix the first one below: %(before)s → %(after)s.",
        "Fix the first %(num)s below together: %(before)s → %(after)s.",
        len(steps),
        before=fmt.number(score.risk_index),
        after=fmt.number(steps[-1].index_after),
    )


def answered(
    item_ids: list[str], answers: Mapping[str, str], items: Mapping[str, ItemPublic]
) -> list[Answered]:
    """The questions of ``item_ids`` with the option chosen, in the page language."""
    out = []
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None:
            continue
        labels = {o.value: o.label for o in item.options}
        out.append(Answered(item.question, labels.get(answers.get(item_id, ""), "")))
    return out


def photo_refusal_sentence(
    refusal: PhotoRefusal, items: Mapping[str, ItemPublic], *, max_mb: int
) -> str:
    question = items[refusal.item_id].question
    reasons = {
        "too_large": gettext("the file is larger than %(size)s MB", size=max_mb),
        "not_an_image": gettext("the file is not a picture"),
        "unsupported_type": gettext(
            "this picture format is not accepted; use JPEG, PNG, WebP or HEIC"
        ),
        "too_many_pixels": gettext(
            "the picture is too large in pixels; send it as a JPEG or take it at a lower resolution"
        ),
    }
    reason = reasons.get(refusal.reason, gettext("it could not be stored"))
    return gettext(
        "The photo for “%(question)s” was not saved: %(reason)s.", question=question, reason=reason
    )
