"""The scoring dataclasses: validation and look-ups."""

import dataclasses
import math

import pytest

from app.scoring import NOT_APPLICABLE, ScoringChecklist, ScoringItem, ScoringOption


def make_item(item_id: str = "light.lamps", **overrides: object) -> ScoringItem:
    fields: dict[str, object] = {
        "id": item_id,
        "section": item_id.split(".")[0],
        "weight": 2.0,
        "critical": False,
        "options": (
            ScoringOption("lit", 0.0),
            ScoringOption("dim", 0.5),
            ScoringOption("dark", 1.0),
        ),
    }
    fields.update(overrides)
    return ScoringItem(**fields)  # type: ignore[arg-type]


class TestScoringOption:
    @pytest.mark.parametrize("risk", [-0.1, 1.01, math.nan, math.inf])
    def test_risk_outside_0_1_is_refused(self, risk: float) -> None:
        with pytest.raises(ValueError, match="risk"):
            ScoringOption("x", risk)

    def test_na_is_reserved(self) -> None:
        with pytest.raises(ValueError, match="reserved"):
            ScoringOption(NOT_APPLICABLE, 0.0)

    def test_is_frozen(self) -> None:
        option = ScoringOption("x", 0.5)
        with pytest.raises(dataclasses.FrozenInstanceError):
            option.risk = 1.0  # type: ignore[misc]


class TestScoringItem:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("lit", 0.0), ("dim", 0.5), ("dark", 1.0), ("pitch_black", None), (NOT_APPLICABLE, None)],
    )
    def test_risk_of(self, value: str, expected: float | None) -> None:
        assert make_item().risk_of(value) == expected

    def test_best_and_worst(self) -> None:
        item = make_item(options=(ScoringOption("b", 0.3), ScoringOption("a", 0.1)))
        assert (item.best_risk, item.worst_risk) == (0.1, 0.3)
        assert (item.best_option.value, item.worst_option.value) == ("a", "b")

    def test_default_roles_are_everyone(self) -> None:
        assert make_item().roles == frozenset({"resident", "inspector", "cooperative"})

    def test_lists_are_frozen_into_tuples(self) -> None:
        item = make_item(
            options=[ScoringOption("a", 0.0), ScoringOption("b", 1.0)], roles={"inspector"}
        )
        assert isinstance(item.options, tuple)
        assert item.roles == frozenset({"inspector"})
        assert hash(item) == hash(dataclasses.replace(item))

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"weight": 0.0}, "weight"),
            ({"weight": -1.0}, "weight"),
            ({"weight": math.nan}, "weight"),
            ({"options": ()}, "option"),
            ({"roles": frozenset()}, "role"),
            ({"options": (ScoringOption("a", 0.0), ScoringOption("a", 1.0))}, "unique"),
        ],
    )
    def test_invalid_items_are_refused(self, overrides: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            make_item("light.lamps", **overrides)


class TestScoringChecklist:
    def test_lookup_by_id(self) -> None:
        lamps, doors = make_item("light.lamps"), make_item("access.doors")
        checklist = ScoringChecklist("2026.1", ("light", "access"), (lamps, doors))
        assert checklist.item("access.doors") is doors
        assert checklist.item("feel.safe") is None
        assert dict(checklist.by_id) == {"light.lamps": lamps, "access.doors": doors}

    def test_section_items_keep_order(self) -> None:
        a, b, c = make_item("light.a"), make_item("access.b"), make_item("light.c")
        checklist = ScoringChecklist("2026.1", ("light", "access"), (a, b, c))
        assert checklist.section_items("light") == (a, c)
        assert checklist.section_items("access") == (b,)

    def test_equal_checklists_compare_equal(self) -> None:
        one = ScoringChecklist("2026.1", ("light",), (make_item(),))
        two = ScoringChecklist("2026.1", ("light",), (make_item(),))
        assert one == two
        assert hash(one) == hash(two)

    @pytest.mark.parametrize(
        ("sections", "items", "message"),
        [
            (("light", "light"), (), "duplicate section"),
            (("light",), (make_item(), make_item()), "duplicate item"),
            (("access",), (make_item(),), "unknown section"),
        ],
    )
    def test_invalid_checklists_are_refused(
        self, sections: tuple[str, ...], items: tuple[ScoringItem, ...], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            ScoringChecklist("2026.1", sections, items)
