"""The scoring view of a checklist: only what the maths needs, as frozen dataclasses.

The checklist loader (``app.checklists``) turns a validated checklist version into a
``ScoringChecklist``; nothing here knows about files, languages or the database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Stored with every score. Bump it whenever the arithmetic changes (not when the checklist
# changes: the checklist has its own version), so old scores can be told apart from new ones.
SCORING_VERSION = "1"

# The answer value meaning "does not apply to this yard" (e.g. no playground at all).
NOT_APPLICABLE = "na"

ALL_ROLES: frozenset[str] = frozenset({"resident", "inspector", "cooperative"})


@dataclass(frozen=True)
class ScoringOption:
    """One possible answer to an item and the share of the item's risk it stands for."""

    value: str
    risk: float  # 0.0 safe .. 1.0 worst

    def __post_init__(self) -> None:
        if self.value == NOT_APPLICABLE:
            raise ValueError(f"{NOT_APPLICABLE!r} is reserved for 'does not apply'")
        if not (math.isfinite(self.risk) and 0.0 <= self.risk <= 1.0):
            raise ValueError(f"option {self.value!r}: risk must be within 0..1, got {self.risk!r}")


@dataclass(frozen=True)
class ScoringItem:
    """A scored checklist item: its weight, whether it is critical, and its options."""

    id: str
    section: str
    weight: float
    critical: bool
    options: tuple[ScoringOption, ...]
    roles: frozenset[str] = ALL_ROLES
    # Built once in __post_init__: these are read for every answer of every submission.
    _risk_by_value: Mapping[str, float] = field(init=False, repr=False, compare=False)
    _best_risk: float = field(init=False, repr=False, compare=False)
    _worst_risk: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept lists/sets from callers but keep the instance hashable and immutable.
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "roles", frozenset(self.roles))
        if not (math.isfinite(self.weight) and self.weight > 0.0):
            raise ValueError(f"item {self.id!r}: weight must be a positive number")
        if not self.options:
            raise ValueError(f"item {self.id!r}: needs at least one option")
        if not self.roles:
            raise ValueError(f"item {self.id!r}: at least one role must be allowed to answer")
        risks = {o.value: o.risk for o in self.options}
        if len(risks) != len(self.options):
            raise ValueError(f"item {self.id!r}: option values must be unique")
        object.__setattr__(self, "_risk_by_value", MappingProxyType(risks))
        object.__setattr__(self, "_best_risk", min(risks.values()))
        object.__setattr__(self, "_worst_risk", max(risks.values()))

    def risk_of(self, value: str) -> float | None:
        """Return the risk of answer ``value``, or None if it is not one of the options.

        ``NOT_APPLICABLE`` is not an option, so it returns None too; callers check it first.
        """
        return self._risk_by_value.get(value)

    @property
    def best_risk(self) -> float:
        """The lowest risk any option carries (0.0 for every item of a valid checklist)."""
        return self._best_risk

    @property
    def worst_risk(self) -> float:
        """The highest risk any option carries (1.0 for every item of a valid checklist)."""
        return self._worst_risk

    @property
    def best_option(self) -> ScoringOption:
        """The safest option (the first one listed if several share the lowest risk)."""
        return min(self.options, key=lambda o: o.risk)

    @property
    def worst_option(self) -> ScoringOption:
        """The riskiest option (the first one listed if several share the highest risk)."""
        return max(self.options, key=lambda o: o.risk)


@dataclass(frozen=True)
class ScoringChecklist:
    """One checklist version as the engine sees it: sections in order and the scored items."""

    version: str
    sections: tuple[str, ...]  # section ids in display order
    items: tuple[ScoringItem, ...]  # scored items only, in display order
    _by_id: Mapping[str, ScoringItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "items", tuple(self.items))
        if len(set(self.sections)) != len(self.sections):
            raise ValueError(f"checklist {self.version}: duplicate section ids")
        by_id: dict[str, ScoringItem] = {}
        known_sections = set(self.sections)
        for item in self.items:
            if item.id in by_id:
                raise ValueError(f"checklist {self.version}: duplicate item id {item.id!r}")
            if item.section not in known_sections:
                raise ValueError(
                    f"checklist {self.version}: item {item.id!r} is in unknown section "
                    f"{item.section!r}"
                )
            by_id[item.id] = item
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))

    @property
    def by_id(self) -> Mapping[str, ScoringItem]:
        """A read-only mapping from item id to item, built once per checklist."""
        return self._by_id

    def item(self, item_id: str) -> ScoringItem | None:
        """Return the scored item with this id, or None (unknown or unscored item)."""
        return self._by_id.get(item_id)

    def section_items(self, section: str) -> tuple[ScoringItem, ...]:
        """Return the items of one section, in display order."""
        return tuple(i for i in self.items if i.section == section)
