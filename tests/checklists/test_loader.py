"""Checklist version files: the real one is complete; broken ones fail naming file and item."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.checklists.loader import (
    ChecklistError,
    load_checklist_file,
    load_registry,
    parse_checklist,
)
from app.platform.config import PROJECT_ROOT
from app.platform.languages import LANGS

DATA = PROJECT_ROOT / "app" / "checklists" / "data"
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
COVERED = ["lighting", "sightlines", "parking", "access", "maintenance", "technical", "social"]


@pytest.fixture
def current_raw() -> dict:
    """A fresh copy per test: the tests break it in place."""
    path = max(DATA.glob("*.yaml"))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class TestRealChecklist:
    def test_loads_with_enough_scored_items(self) -> None:
        loaded = load_registry(DATA).current
        scored = [i for i in loaded.checklist.items() if i.scored]
        assert len(scored) >= 35
        assert sum("resident" in i.roles for i in scored) >= 30
        assert any(i.critical for i in scored)
        assert any("resident" not in i.roles for i in scored), "some items are for inspectors"

    def test_covers_every_cpted_area(self) -> None:
        sections = [s.id for s in load_registry(DATA).current.checklist.sections]
        assert set(COVERED) <= set(sections)

    def test_has_one_unscored_feeling_item(self) -> None:
        unscored = [i for i in load_registry(DATA).current.checklist.items() if not i.scored]
        assert len(unscored) == 1
        assert all(o.risk is None for o in unscored[0].options)

    def test_every_text_in_three_languages_and_kazakh_is_kazakh(self) -> None:
        checklist = load_registry(DATA).current.checklist
        kk_text = ""
        for item in checklist.items():
            for text in (item.question, item.why, *(o.label for o in item.options)):
                assert all(text.get(lang).strip() for lang in LANGS)
                assert text.kk != text.ru or len(text.ru) < 4, (item.id, text.ru)
            kk_text += item.question.kk + item.why.kk
        assert len(set(kk_text) & KAZAKH_LETTERS) >= 6


class TestBrokenFiles:
    def break_it(self, raw: dict, tmp_path: Path, mutate) -> Path:
        mutate(raw)
        path = tmp_path / f"almaty-yard-{raw['version']}.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return path

    def test_bad_risk_names_file_and_item(self, current_raw: dict, tmp_path: Path) -> None:
        item = current_raw["sections"][0]["items"][1]
        path = self.break_it(current_raw, tmp_path, lambda r: item["options"][0].update(risk=1.7))
        with pytest.raises(ChecklistError) as err:
            load_checklist_file(path)
        assert path.name in str(err.value) and item["id"] in str(err.value)
        assert "less than or equal to 1" in str(err.value)

    def test_missing_kazakh_names_the_item(self, current_raw: dict, tmp_path: Path) -> None:
        item = current_raw["sections"][2]["items"][0]
        path = self.break_it(current_raw, tmp_path, lambda r: item["question"].pop("kk"))
        with pytest.raises(ChecklistError, match=item["id"].replace(".", r"\.")):
            load_checklist_file(path)

    def test_duplicate_item_id(self, current_raw: dict, tmp_path: Path) -> None:
        items = current_raw["sections"][0]["items"]
        path = self.break_it(current_raw, tmp_path, lambda r: items.append(dict(items[0])))
        with pytest.raises(ChecklistError, match="duplicate item ids"):
            load_checklist_file(path)

    def test_scored_item_without_safe_option(self, current_raw: dict, tmp_path: Path) -> None:
        item = current_raw["sections"][1]["items"][0]

        def no_safe(r: dict) -> None:
            for option in item["options"]:
                option["risk"] = max(option["risk"], 0.5)

        path = self.break_it(current_raw, tmp_path, no_safe)
        with pytest.raises(ChecklistError, match="safe option"):
            load_checklist_file(path)

    def test_not_yaml(self) -> None:
        with pytest.raises(ChecklistError, match="broken.yaml: not valid YAML"):
            parse_checklist("sections: [unclosed", name="broken.yaml")

    def test_file_name_must_carry_the_version(self, current_raw: dict, tmp_path: Path) -> None:
        path = tmp_path / "almaty-yard-1999.9.yaml"
        path.write_text(yaml.safe_dump(current_raw, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ChecklistError, match="file name"):
            load_checklist_file(path)
