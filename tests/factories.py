"""Small builders of test data: answers and submission bodies from the real checklist."""

from __future__ import annotations

import uuid
from typing import Any

from app.checklists.loader import LoadedChecklist

ALMALY = {"lat": 43.2515, "lon": 76.9120, "accuracy_m": 10.0}  # well inside Almaly


def answers_for(
    loaded: LoadedChecklist, *, pick: str = "worst", role: str = "resident"
) -> dict[str, str]:
    """Every scored item the role may answer, at its safest ('best') or worst option."""
    out = {}
    for item in loaded.checklist.items():
        if not item.scored or role not in item.roles:
            continue
        chooser = min if pick == "best" else max
        out[item.id] = chooser(item.options, key=lambda o: o.risk or 0.0).value
    return out


def submission_body(loaded: LoadedChecklist, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "checklist_version": loaded.version,
        "location": dict(ALMALY),
        "answers": answers_for(loaded),
    }
    body.update(overrides)
    return body


def scratch_location(seed: int) -> dict[str, float]:
    """A point in Almaly east of every ``unique_location``, for tests that post many
    submissions without caring which yard they land in (so they never add to another test's
    yard); seeds 0-59."""
    return {
        "lat": 43.2420 + 0.0009 * (seed % 20),
        "lon": 76.9200 + 0.0012 * (seed // 20),
        "accuracy_m": 8.0,
    }


def unique_location(seed: int) -> dict[str, float]:
    """A point in Almaly about 100 m from those of other seeds (a yard of its own); seeds 0-59."""
    return {
        "lat": 43.2420 + 0.0009 * (seed % 20),
        "lon": 76.9050 + 0.0012 * (seed // 20),
        "accuracy_m": 8.0,
    }
