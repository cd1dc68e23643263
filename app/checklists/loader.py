"""Loading checklist version files: parse, validate, and explain what is broken."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.checklists.schema import NOT_APPLICABLE, Checklist, Item
from app.scoring import ScoringChecklist, ScoringItem, ScoringOption


class ChecklistError(Exception):
    """A checklist file that cannot be used; the message names the file, the item and why."""


@dataclass(frozen=True)
class LoadedChecklist:
    """One checklist version with what the service needs to answer fast."""

    checklist: Checklist
    source: str
    sha256: str
    items_by_id: dict[str, Item] = field(repr=False)

    @property
    def version(self) -> str:
        return self.checklist.version

    @cached_property
    def scoring(self) -> ScoringChecklist:
        return to_scoring_checklist(self.checklist)

    @cached_property
    def allowed_values(self) -> dict[str, tuple[str, ...]]:
        """Per item, the answer values it accepts ("na" where not applicable is allowed)."""
        return {item_id: tuple(allowed_values(item)) for item_id, item in self.items_by_id.items()}


def to_scoring_checklist(checklist: Checklist) -> ScoringChecklist:
    """The scoring engine's view of a checklist: scored items, weights and option risks."""
    return ScoringChecklist(
        version=checklist.version,
        sections=tuple(s.id for s in checklist.sections),
        items=tuple(
            ScoringItem(
                id=item.id,
                section=section.id,
                weight=item.weight,
                critical=item.critical,
                options=tuple(
                    ScoringOption(value=o.value, risk=float(o.risk))
                    for o in item.options
                    if o.risk is not None
                ),
                roles=frozenset(item.roles),
            )
            for section in checklist.sections
            for item in section.items
            if item.scored
        ),
    )


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a Pydantic error location into 'item lighting.entrances, options[2]'."""
    node, parts = raw, []
    for i, key in enumerate(loc):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(node, dict) and "id" in node and loc[i - 1] in ("items", "sections"):
            kind = "item" if loc[i - 1] == "items" else "section"
            parts = [f"{kind} {node['id']}"]
        elif key not in ("items", "sections") and not isinstance(key, int):
            parts.append(str(key))
        elif isinstance(key, int) and parts and loc[i - 1] not in ("items", "sections"):
            parts[-1] += f"[{key}]"
    return ", ".join(parts) or "top level"


def parse_checklist(text: str, *, name: str) -> LoadedChecklist:
    """Validate the text of a version file; raise ChecklistError saying where and why."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{name}: not valid YAML: {exc}") from exc
    try:
        checklist = Checklist.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_where(raw, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()
        )
        raise ChecklistError(f"{name}: {problems}") from exc
    return LoadedChecklist(
        checklist=checklist,
        source=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        items_by_id={i.id: i for i in checklist.items()},
    )


def load_checklist_file(path: Path) -> LoadedChecklist:
    loaded = parse_checklist(path.read_text(encoding="utf-8"), name=path.name)
    if path.stem.rsplit("-", 1)[-1] != loaded.version:
        raise ChecklistError(
            f"{path.name}: the file name must end in its version '-{loaded.version}.yaml'"
        )
    return loaded


class ChecklistRegistry:
    """Every known checklist version; the highest one is current."""

    def __init__(self, versions: list[LoadedChecklist]) -> None:
        if not versions:
            raise ChecklistError("no checklist version files found")
        self._versions = {v.version: v for v in versions}
        self.current = max(versions, key=lambda v: v.checklist.version_key)

    def get(self, version: str) -> LoadedChecklist | None:
        return self._versions.get(version)

    def add(self, loaded: LoadedChecklist) -> None:
        """Register a version known only from the database (its file has left the repository)."""
        self._versions.setdefault(loaded.version, loaded)

    @property
    def versions(self) -> list[str]:
        return sorted(self._versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def load_registry(folder: Path) -> ChecklistRegistry:
    """Load every ``*.yaml`` in ``folder``; the first broken file stops start-up."""
    return ChecklistRegistry([load_checklist_file(p) for p in sorted(folder.glob("*.yaml"))])


def allowed_values(item: Item) -> list[str]:
    values = [o.value for o in item.options]
    return [*values, NOT_APPLICABLE] if item.allow_na else values
