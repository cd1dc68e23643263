"""A yard's consensus answers from several people's answer sets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.scoring.model import NOT_APPLICABLE, ScoringChecklist


def combine_answers(
    checklist: ScoringChecklist, answer_sets: Sequence[Mapping[str, str]]
) -> dict[str, str]:
    """Return one answer per scored item that anyone answered: the yard's consensus.

    Per item, the answer with the median risk among those who gave a real answer; on an even
    count the lower of the two middle answers, so one alarmist cannot tip a two-person yard
    and ties are deterministic. Options of equal risk are ordered as the checklist lists them.
    "na" wins only if more people said "na" than gave a real answer. Items nobody answered are
    left out; answers to ids outside the scoring checklist are ignored. The result does not
    depend on the order of ``answer_sets``. Raises ValueError for a value that is not an
    option of its item.
    """
    combined: dict[str, str] = {}
    for item in checklist.items:
        # Rank every option once: by risk, then by its place in the checklist.
        ordered = sorted(enumerate(item.options), key=lambda po: (po[1].risk, po[0]))
        rank = {option.value: n for n, (_, option) in enumerate(ordered)}
        real: list[str] = []
        not_applicable = 0
        for answers in answer_sets:
            if item.id not in answers:
                continue
            value = answers[item.id]
            if value == NOT_APPLICABLE:
                not_applicable += 1
            elif value in rank:
                real.append(value)
            else:
                raise ValueError(f"item {item.id!r} has no option {value!r}")
        if not_applicable > len(real):
            combined[item.id] = NOT_APPLICABLE
        elif real:
            real.sort(key=rank.__getitem__)
            combined[item.id] = real[(len(real) - 1) // 2]
    return combined
