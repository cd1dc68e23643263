"""The ingest benchmark's bodies: "yard" answers agree within a yard, "random" ones do not,
and "random" stays the workload of the figures before it (the same bodies for a seed)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from bench.ingest import YARD_AGREEMENT, bodies


def agreement(payloads: list[dict[str, Any]]) -> float:
    """The share of answers equal to their yard's most common answer to the item."""
    by_spot: dict[tuple[float, float], list[dict[str, str]]] = defaultdict(list)
    for body in payloads:
        by_spot[(body["location"]["lat"], body["location"]["lon"])].append(body["answers"])
    same = total = 0
    for answer_sets in by_spot.values():
        if len(answer_sets) < 5:
            continue
        for item in answer_sets[0]:
            counts = Counter(answers[item] for answers in answer_sets)
            same += counts.most_common(1)[0][1]
            total += len(answer_sets)
    return same / total


def test_yard_answers_agree_and_random_ones_do_not() -> None:
    random_bodies, yard_bodies = bodies(8000), bodies(8000, answers="yard")
    assert [b["location"] for b in random_bodies] == [b["location"] for b in yard_bodies]
    assert [b["id"] for b in random_bodies] == [b["id"] for b in yard_bodies]
    assert agreement(yard_bodies) >= YARD_AGREEMENT - 0.02
    assert agreement(random_bodies) < 0.75
    assert bodies(50) == bodies(50)  # a seed's bodies are the same in every run
