"""consensus(): the three instruments apart, the recency rule, disagreement on the same items
and the figure's interval (issue 13, item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.checklists.loader import ChecklistError, ChecklistRegistry
from app.platform.db import utcnow
from app.scoring import score_answers
from app.yards.consensus import AUDIT_RULES_DAYS, RESIDENTS_AFTER_AUDIT, audit_rules, consensus
from tests.factories import answers_for

NOW = utcnow()


@dataclass
class Check:
    id: int
    role: str
    checklist_version: str
    received_at: datetime
    answers: dict[str, str]
    risk_index: float | None = None


def _checks(registry: ChecklistRegistry, *spec: tuple[str, str, float]) -> list[Check]:
    """Checks newest first from (role, pick, age in days)."""
    loaded = registry.current
    out = []
    for n, (role, pick, age) in enumerate(spec):
        answers = answers_for(loaded, pick=pick, role=role)
        index = score_answers(loaded.scoring, answers, role=role).risk_index
        out.append(Check(n, role, loaded.version, NOW - timedelta(days=age), answers, index))
    return sorted(out, key=lambda c: c.received_at, reverse=True)


class TestRecencyRule:
    @pytest.mark.parametrize(
        ("audit_age", "resident_ages", "rules"),
        [
            (10, [], True),
            (10, [20, 30, 40], True),  # residents before the audit: it is newer
            (10, [5, 20], True),  # one resident since a fresh audit: not enough
            (10, [1, 2, 3], False),  # three residents since: conditions may have changed
            (AUDIT_RULES_DAYS + 1, [], True),  # nothing newer: the old audit still stands
            (AUDIT_RULES_DAYS + 1, [AUDIT_RULES_DAYS + 5], True),
            (AUDIT_RULES_DAYS + 1, [1], False),  # an old audit yields to any newer check
        ],
    )
    def test_audit_rules(self, audit_age: float, resident_ages: list[float], rules: bool) -> None:
        times = [NOW - timedelta(days=a) for a in resident_ages]
        assert audit_rules(NOW - timedelta(days=audit_age), times, now=NOW) is rules

    def test_fresh_residents_override_an_old_audit(self, registry: ChecklistRegistry) -> None:
        checks = _checks(
            registry,
            ("inspector", "worst", 170),
            *[("resident", "best", age) for age in range(1, RESIDENTS_AFTER_AUDIT + 1)],
        )
        found = consensus(registry, checks, now=NOW)
        assert found.basis == "residents_median" and found.score is not None
        assert found.score.risk_index == 0.0
        assert found.inspector_index is not None and found.inspector_index > 50  # still shown

    def test_a_fresh_audit_rules(self, registry: ChecklistRegistry) -> None:
        checks = _checks(registry, ("inspector", "worst", 1), ("resident", "best", 2))
        found = consensus(registry, checks, now=NOW)
        assert found.basis == "inspector_audit"
        assert found.risk_low is None and found.risk_high is None  # one check


class TestInstrumentsApart:
    def test_cooperatives_are_not_residents(self, registry: ChecklistRegistry) -> None:
        checks = _checks(
            registry,
            ("resident", "worst", 1),
            ("cooperative", "best", 2),
            ("cooperative", "best", 3),
        )
        found = consensus(registry, checks, now=NOW)
        assert found.basis == "residents_median"
        assert found.residents == 1 and found.cooperatives == 2
        assert found.residents_index == 100.0  # not pulled down by the cooperative
        assert found.cooperative_index == 0.0

    def test_a_cooperative_alone_has_its_own_basis(self, registry: ChecklistRegistry) -> None:
        found = consensus(registry, _checks(registry, ("cooperative", "worst", 1)), now=NOW)
        assert found.basis == "cooperative" and found.residents == 0
        assert found.score is not None and found.score.risk_index == found.cooperative_index

    def test_disagreement_over_the_same_items(self, registry: ChecklistRegistry) -> None:
        """An audit that agrees with the residents on every shared item does not disagree,
        whatever it says of the items residents are never asked."""
        loaded = registry.current
        residents = answers_for(loaded, pick="best")
        audit = answers_for(loaded, pick="best", role="inspector")
        only_inspector = [k for k in audit if k not in residents]
        assert only_inspector  # the checklist has inspector-only items
        for k in only_inspector:
            audit[k] = max(loaded.scoring.by_id[k].options, key=lambda o: o.risk).value
        checks = [
            Check(1, "inspector", loaded.version, NOW - timedelta(days=1), audit),
            Check(2, "resident", loaded.version, NOW - timedelta(days=2), residents),
        ]
        found = consensus(registry, checks, now=NOW)
        assert found.inspector_index is not None and found.inspector_index > 0.0
        assert found.residents_index == 0.0
        assert found.disagreement == 0.0


class TestInterval:
    def test_two_residents_have_one(self, registry: ChecklistRegistry) -> None:
        checks = _checks(registry, ("resident", "worst", 1), ("resident", "best", 2))
        found = consensus(registry, checks, now=NOW)
        assert found.score is not None and found.score.risk_index is not None
        assert found.risk_low is not None and found.risk_high is not None
        assert found.risk_low <= found.score.risk_index <= found.risk_high
        assert found.item_risk  # items between their two answers

    def test_one_resident_has_none(self, registry: ChecklistRegistry) -> None:
        found = consensus(registry, _checks(registry, ("resident", "worst", 1)), now=NOW)
        assert found.risk_low is None and found.risk_high is None


class TestUnknownVersion:
    @pytest.mark.parametrize("role", ["resident", "inspector", "cooperative"])
    def test_a_version_the_registry_lacks_is_named(
        self, registry: ChecklistRegistry, role: str
    ) -> None:
        """A stored check of a version the registry does not hold (built without the
        database's versions) stops the recompute with a message, not an assert."""
        checks = _checks(registry, (role, "best", 1), (role, "worst", 2))
        checks[0].checklist_version = "2019.1"
        with pytest.raises(ChecklistError, match=r"2019\.1 .*sync_versions"):
            consensus(registry, checks, now=NOW)
