"""Kept counts of a yard's residents' answers, so a new submission's median is updated from
its own answers instead of every answer of the window read back and combined again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.checklists.loader import LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE
from app.scoring.combine import Combined, combine, middle_answer, option_ranks
from app.scoring.model import ScoringItem

Combine = Callable[[LoadedChecklist, Sequence[Any]], Combined]


# Per yard, the counts of the residents' answers in its window (one checklist version),
# kept in this process: a new submission adds its own answers instead of every answer of
# the window being read back, parsed and combined again. Each use checks the counts'
# submissions against the window just read, so the consensus is exactly combine()'s
# (a rolled-back submission, an expired one or another worker's make the counts rebuilt).
TALLY_YARDS = 4096


@dataclass
class _Tally:
    version: str
    ids: frozenset[Any]
    counts: dict[str, list[int]]  # per item: one count per ranked option, then "na"


_tallies: OrderedDict[int, _Tally] = OrderedDict()
_tallies_lock = threading.Lock()
_Ranked = list[tuple[str, dict[str, int], ScoringItem]]
_RANKED: dict[str, _Ranked] = {}


def _ranked(loaded: LoadedChecklist) -> _Ranked:
    """Per scored item, its options' positions ranked as combine() ranks them: by risk,
    then by their place in the checklist."""
    ranked = _RANKED.get(loaded.version)
    if ranked is None:
        ranked = [(i.id, option_ranks(i), i) for i in loaded.scoring.items]
        _RANKED[loaded.version] = ranked
    return ranked


def _count(ranked: _Ranked, counts: dict[str, list[int]], answers: Any) -> bool:
    """Add one answer set to ``counts``; False for a value that is no option (let
    combine() raise about it)."""
    for item_id, rank, _item in ranked:
        value = answers.get(item_id)
        if value is None:
            continue
        row = counts.get(item_id)
        if row is None:
            row = counts[item_id] = [0] * (len(rank) + 1)
        if value == NOT_APPLICABLE:
            row[-1] += 1
        elif value in rank:
            row[rank[value]] += 1
        else:
            return False
    return True


def kept_ids(yard_id: int) -> frozenset[Any] | None:
    """The submissions whose answers are counted in ``yard_id``'s kept tally; None when none
    is kept (the next consensus reads every resident's answers)."""
    with _tallies_lock:
        kept = _tallies.get(yard_id)
    return kept.ids if kept is not None else None


def tallied_combine(yard_id: int) -> Combine:
    """A residents' consensus for ``yard_id`` that reuses the counts kept for it."""

    def combined(loaded: LoadedChecklist, chosen: Sequence[Any]) -> Combined:
        ranked = _ranked(loaded)
        ids = frozenset(r.id for r in chosen)
        with _tallies_lock:
            kept = _tallies.get(yard_id)
        if kept is not None and kept.version == loaded.version and kept.ids <= ids:
            counts = {k: v[:] for k, v in kept.counts.items()}
            added = [r for r in chosen if r.id not in kept.ids]
        else:
            counts, added = {}, list(chosen)
        for row in added:
            if not _count(ranked, counts, row.answers):
                return combine(loaded.scoring, [r.answers for r in chosen])
        with _tallies_lock:
            _tallies[yard_id] = _Tally(loaded.version, ids, counts)
            _tallies.move_to_end(yard_id)
            while len(_tallies) > TALLY_YARDS:
                _tallies.popitem(last=False)
        # The consensus as combine() takes it: "na" only if more said "na" than gave a real
        # answer; else the middle real answers in rank order (two on an even count).
        answers: dict[str, str] = {}
        risks: dict[str, float] = {}
        for item_id, rank, item in ranked:
            row = counts.get(item_id)
            if row is None:
                continue
            real = sum(row) - row[-1]
            if row[-1] > real:
                answers[item_id] = NOT_APPLICABLE
            elif real:
                lower = _at(rank, row, (real - 1) // 2)
                upper = _at(rank, row, real // 2)
                shown, risk = middle_answer(item, lower, upper)
                answers[item_id] = shown
                if risk is not None:
                    risks[item_id] = risk
        return Combined(answers, risks)

    return combined


def _at(rank: dict[str, int], row: list[int], position: int) -> str:
    """The answer at ``position`` (0-based) among the counted real answers in rank order."""
    left = position
    for value, n in rank.items():
        left -= row[n]
        if left < 0:
            return value
    raise AssertionError("position beyond the counted answers")  # pragma: no cover
