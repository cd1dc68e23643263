"""Checklist 2026.2 (issue 13) and the rule that a submission keeps the version it answered."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry, LoadedChecklist, load_checklist_file
from app.platform.config import Settings
from app.scoring import score_answers
from app.submissions import service as submissions_service
from tests.factories import answers_for, store_submission

DATA = Path(__file__).resolve().parents[2] / "app" / "checklists" / "data"
HOUSING_DEPENDENT = (
    "lighting.entrances",
    "access.entrance_doors",
    "access.intercom",
    "access.basements",
    "access.roof_hatches",
    "maintenance.contacts_posted",
    "technical.cctv_entrances",
)


def _version(version: str) -> LoadedChecklist:
    return load_checklist_file(DATA / f"almaty-yard-{version}.yaml")


def _section_weights(loaded: LoadedChecklist) -> dict[str, float]:
    return {s.id: sum(i.weight for i in s.items if i.scored) for s in loaded.checklist.sections}


class TestVersion2026_2:
    def test_it_is_current(self, registry: ChecklistRegistry) -> None:
        assert registry.current.version == "2026.2"
        assert {"2026.1", "2026.2"} <= set(registry.versions)

    def test_items_that_depend_on_the_housing_type_may_not_apply(self) -> None:
        new = _version("2026.2").items_by_id
        assert all(new[item_id].allow_na for item_id in HOUSING_DEPENDENT)

    def test_lighting_weighs_no_more_than_another_section(self) -> None:
        old, new = _section_weights(_version("2026.1")), _section_weights(_version("2026.2"))
        assert old["lighting"] == 12.5 and new["lighting"] == 6.5
        others = [w for s, w in new.items() if s != "lighting"]
        assert new["lighting"] <= statistics_median(others) + 1.0

    def test_fire_access_is_kept_but_neither_critical_nor_heavy(self) -> None:
        new = _version("2026.2")
        fire = new.items_by_id["parking.emergency_access"]
        assert fire.scored and not fire.critical
        assert fire.weight < max(i.weight for i in new.checklist.items())
        assert fire.weight == 1.0

    def test_ids_options_and_russian_questions_are_unchanged(self) -> None:
        """Answers compare across versions: the same id asks the same question."""
        old, new = _version("2026.1").items_by_id, _version("2026.2").items_by_id
        assert old.keys() == new.keys()
        for item_id, item in old.items():
            assert new[item_id].question == item.question, item_id
            assert new[item_id].options == item.options, item_id
            assert new[item_id].remedy == item.remedy, item_id

    def test_only_the_intended_items_changed(self) -> None:
        old, new = _version("2026.1").items_by_id, _version("2026.2").items_by_id
        changed = {i for i in old if old[i] != new[i]}
        lighting = {i for i in old if i.startswith("lighting.")}
        assert changed == lighting | set(HOUSING_DEPENDENT) - {"access.roof_hatches"} | {
            "parking.emergency_access"
        }


def statistics_median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return (ordered[middle] + ordered[~middle]) / 2


class TestOldSubmissionsKeepTheirVersion:
    def test_a_2026_1_submission_keeps_its_index_after_2026_2(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        old = registry.get("2026.1")
        assert old is not None and registry.current.version == "2026.2"
        # Safe everywhere but a blocked fire lane: critical and heavy in 2026.1 only.
        answers = {**answers_for(old, pick="best"), "parking.emergency_access": "no"}
        then = score_answers(old.scoring, answers, role="resident")
        now = score_answers(registry.current.scoring, answers, role="resident")
        assert then.risk_index != now.risk_index and (then.band, now.band) == ("high", "low")

        received = store_submission(
            session,
            registry=registry,
            settings=settings,
            checklist_version="2026.1",
            answers=answers,
        )
        stored = received.submission
        assert stored.checklist_version == "2026.1"
        assert stored.risk_index == then.risk_index
        result = submissions_service.result_of(stored, registry=registry, lang="en")
        assert result.checklist_version == "2026.1"
        assert (result.risk_index, result.band) == (then.risk_index, "high")

    def test_the_old_version_is_still_served(self, client: TestClient) -> None:
        body = client.get("/api/v1/checklist/2026.1?lang=en").json()
        items = {i["id"]: i for s in body["sections"] for i in s["items"]}
        assert body["version"] == "2026.1" and items["parking.emergency_access"]["critical"]
        assert client.get("/api/v1/checklist?lang=en").json()["version"] == "2026.2"
