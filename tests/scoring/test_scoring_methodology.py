"""The worked example of docs/METHODOLOGY.md, run through the engine.

If the engine or the checklist changes, these tests fail until the document is updated too.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.scoring import (
    NOT_APPLICABLE,
    SCORING_VERSION,
    FixStep,
    ScoringChecklist,
    ScoringItem,
    ScoringOption,
    combine_answers,
    score_answers,
)

ROOT = Path(__file__).resolve().parents[2]
METHODOLOGY = ROOT / "docs" / "METHODOLOGY.md"
CHECKLIST_FILE = ROOT / "app" / "checklists" / "data" / "almaty-yard-2026.1.yaml"


def example_item(
    item_id: str, weight: float, options: str, *, critical: bool = False
) -> ScoringItem:
    """An item with options given as "value=risk value=risk ..."."""
    pairs = [o.split("=") for o in options.split()]
    return ScoringItem(
        id=item_id,
        section=item_id.split(".")[0],
        weight=weight,
        critical=critical,
        options=tuple(ScoringOption(value, float(risk)) for value, risk in pairs),
    )


# Nine real questions of checklist 2026.1 with their real weights and risks.
EXAMPLE = ScoringChecklist(
    version="2026.1",
    sections=("lighting", "access", "maintenance"),
    items=(
        example_item("lighting.at_night", 3.0, "yes=0 partly=0.5 no=1", critical=True),
        example_item("lighting.entrances", 2.0, "all=0 some=0.5 none=1"),
        example_item("lighting.dark_spots", 2.0, "none=0 few=0.5 many=1"),
        example_item("access.entrance_doors", 2.0, "all=0 some=0.5 none=1"),
        example_item("access.intercom", 1.0, "yes=0 some=0.5 no=1"),
        example_item("access.basements", 2.5, "locked=0 shut=0.5 open=1", critical=True),
        example_item("maintenance.graffiti", 1.5, "none=0 some=0.5 a_lot=1"),
        example_item("maintenance.litter", 1.0, "clean=0 some=0.5 a_lot=1"),
        example_item(
            "maintenance.construction_site", 2.0, "secured=0 gaps=0.5 open=1", critical=True
        ),
    ),
)
ANSWERS = {
    "lighting.at_night": "partly",
    "lighting.entrances": "some",
    "lighting.dark_spots": "none",
    "access.entrance_doors": "all",
    "access.intercom": "some",
    "access.basements": "open",
    "maintenance.graffiti": "some",
    # maintenance.litter left blank
    "maintenance.construction_site": NOT_APPLICABLE,
    "social.feel_safe_night": "rather_unsafe",  # unscored: not in the scoring checklist
}


@pytest.fixture(scope="module")
def document() -> str:
    return METHODOLOGY.read_text(encoding="utf-8")


class TestWorkedExample:
    def test_index_band_and_completeness(self) -> None:
        result = score_answers(EXAMPLE, ANSWERS)
        assert result.risk_index == 44.6  # 100 * 6.25 / 14 = 44.64
        assert result.band == "high"  # "moderate" by the index, lifted by the critical rule
        assert result.critical_failed == ("access.basements",)
        assert result.completeness == 16 / 17

    def test_sections(self) -> None:
        result = score_answers(EXAMPLE, ANSWERS)
        assert [(s.section, s.risk_index) for s in result.sections] == [
            ("lighting", 35.7),
            ("access", 54.5),
            ("maintenance", 50.0),
        ]
        assert [s.completeness for s in result.sections] == [1.0, 1.0, 3.5 / 4.5]

    def test_factors(self) -> None:
        result = score_answers(EXAMPLE, ANSWERS)
        assert [(f.item_id, f.points, f.index_if_fixed) for f in result.factors] == [
            ("access.basements", 17.9, 26.8),
            ("lighting.at_night", 10.7, 33.9),
            ("lighting.entrances", 7.1, 37.5),
            ("maintenance.graffiti", 5.4, 39.3),
            ("access.intercom", 3.6, 41.1),
        ]

    def test_fix_plan(self) -> None:
        assert score_answers(EXAMPLE, ANSWERS).fix_plan(3) == (
            FixStep("access.basements", 26.8, "moderate"),
            FixStep("lighting.at_night", 16.1, "low"),
            FixStep("lighting.entrances", 8.9, "low"),
        )

    def test_median_example(self) -> None:
        three = [{"lighting.entrances": v} for v in ("none", "some", "all")]
        two = [{"lighting.entrances": v} for v in ("none", "all")]
        assert combine_answers(EXAMPLE, three) == {"lighting.entrances": "some"}
        # Two: neither the safer nor the riskier, half way (here an option of its own).
        assert combine_answers(EXAMPLE, two) == {"lighting.entrances": "some"}

    @pytest.mark.parametrize(
        "text",
        [
            "Index: 100 × 6.25 ÷ 14 = 44.64… → **44.6**",
            "so the critical rule puts the yard in **high**",
            "16 ÷ 17 = **94.1%**",
            "| **35.7** | 7 ÷ 7 = 100% |",
            "| **54.5** | 5.5 ÷ 5.5 = 100% |",
            "| **50.0** | 3.5 ÷ 4.5 = 77.8% |",
            "`access.basements` | 100 × 2.5 ÷ 14 = **17.9** | 100 × 3.75 ÷ 14 = **26.8** |",
            "`lighting.at_night` | 100 × 1.5 ÷ 14 = **10.7** | 100 × 4.75 ÷ 14 = **33.9** |",
            "`lighting.entrances` | 100 × 1.0 ÷ 14 = **7.1** | 100 × 5.25 ÷ 14 = **37.5** |",
            "`maintenance.graffiti` | 100 × 0.75 ÷ 14 = **5.4** | 100 × 5.5 ÷ 14 = **39.3** |",
            "`access.intercom` | 100 × 0.5 ÷ 14 = **3.6** | 100 × 5.75 ÷ 14 = **41.1** |",
            "100 × 3.75 ÷ 14 = **26.8** | moderate |",
            "100 × 2.25 ÷ 14 = **16.1** | low |",
            "100 × 1.25 ÷ 14 = **8.9** | low |",
            "**In one line: fix these three → index 44.6 → 8.9** (band high → low)",
        ],
    )
    def test_document_shows_the_same_numbers(self, document: str, text: str) -> None:
        assert text in document

    def test_document_names_the_scoring_version(self, document: str) -> None:
        assert f"scoring version **{SCORING_VERSION}**" in document


@pytest.fixture(scope="module")
def checklist_items() -> dict[str, dict[str, Any]]:
    # Read as plain YAML: the scoring tests stay independent of the checklist loader.
    if not CHECKLIST_FILE.exists():
        pytest.skip("checklist 2026.1 not present")
    raw = yaml.safe_load(CHECKLIST_FILE.read_text(encoding="utf-8"))
    return {i["id"]: i for s in raw["sections"] for i in s["items"]}


class TestWorkedExampleMatchesChecklist:
    """The example claims real weights and risks of checklist 2026.1; keep the claim true."""

    @pytest.mark.parametrize("item", EXAMPLE.items, ids=lambda i: i.id)
    def test_item_matches_the_checklist_file(
        self, item: ScoringItem, checklist_items: dict[str, dict[str, Any]]
    ) -> None:
        source = checklist_items[item.id]
        assert float(source.get("weight", 1.0)) == item.weight
        assert bool(source.get("critical", False)) == item.critical
        assert {o["value"]: float(o["risk"]) for o in source["options"]} == {
            o.value: o.risk for o in item.options
        }
