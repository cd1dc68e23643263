"""docs/CHECKLIST.md says its tables are generated from the current version file: keep it so."""

from __future__ import annotations

from pathlib import Path

from app.checklists.loader import ChecklistRegistry

DOC = Path(__file__).resolve().parents[2] / "docs" / "CHECKLIST.md"


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells
    return rows


class TestChecklistDoc:
    def test_it_documents_the_current_version(self, registry: ChecklistRegistry) -> None:
        current = registry.current
        assert DOC.read_text(encoding="utf-8").startswith(
            f"# The SafeYard checklist, version {current.version}\n"
        )
        rows = _rows()
        assert rows.keys() == current.items_by_id.keys()
        for item_id, item in current.items_by_id.items():
            _id, question, answers, weight, critical, *_ = rows[item_id]
            assert question == item.question.en, item_id
            assert ("*N/A allowed*" in answers) == item.allow_na, item_id
            assert (critical == "**yes**") == item.critical, item_id
            if item.scored:
                assert float(weight) == item.weight, item_id
            else:
                assert weight == "not scored", item_id
