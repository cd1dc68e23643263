"""A submission is scored against the checklist version it was answered against, always."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import select

from app.checklists.loader import ChecklistError, ChecklistRegistry, load_registry
from app.findings.refresh import refresh_yards
from app.main import create_app
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from app.yards.risk_models import YardRisk
from tests.factories import submission_body
from tests.reliability.support import fresh_database

OLD = "2025.1"


@pytest.fixture(scope="module")
def two_versions(registry: ChecklistRegistry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The current checklist, and an older edition in which lighting weighed 10 times less."""
    folder = tmp_path_factory.mktemp("checklists")
    current = registry.current
    (folder / f"almaty-yard-{current.version}.yaml").write_text(current.source, encoding="utf-8")
    older = yaml.safe_load(current.source)
    older["version"] = OLD
    for item in older["sections"][0]["items"]:
        item["weight"] = 0.1 if not item.get("critical") else 1.0
    (folder / f"almaty-yard-{OLD}.yaml").write_text(
        yaml.safe_dump(older, allow_unicode=True), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def own_database(
    registry: ChecklistRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this module's own: the old edition's submissions stay out of the shared
    one, whose full recomputes (tests/findings) know only the current checklist."""
    with fresh_database(tmp_path_factory.mktemp("versions"), registry) as url:
        yield url


class TestVersionedScoring:
    def test_each_submission_keeps_its_version(
        self,
        settings: Settings,
        registry: ChecklistRegistry,
        two_versions: Path,
        own_database: str,
    ) -> None:
        app = create_app(
            settings.model_copy(
                update={"checklist_dir": two_versions, "database_url": own_database}
            )
        )
        with TestClient(app) as client:
            assert client.get("/api/v1/checklist").json()["version"] == registry.current.version
            old_checklist = client.get(f"/api/v1/checklist/{OLD}").json()
            assert old_checklist["sections"][0]["items"][1]["weight"] == 0.1
            lighting = {
                i["id"]: next(o["value"] for o in i["options"] if o["risk"] == 1.0)
                for i in old_checklist["sections"][0]["items"]
                if "resident" in i["roles"] and not i["critical"]
            }
            rest = {
                i["id"]: next(o["value"] for o in i["options"] if o["risk"] == 0.0)
                for s in old_checklist["sections"][1:]
                for i in s["items"]
                if i["scored"] and "resident" in i["roles"]
            }
            answers = {**lighting, **rest}
            results = {}
            for version in (OLD, registry.current.version):
                body = submission_body(registry.current, checklist_version=version, answers=answers)
                response = client.post("/api/v1/submissions", json=body)
                assert response.status_code == 201, response.text
                results[version] = response.json()
                again = client.get(f"/api/v1/submissions/{body['id']}").json()
                assert again["checklist_version"] == version
                assert again["risk_index"] == results[version]["risk_index"]
            # Dark yard, all else fine: the old edition weighed lighting far less.
            assert results[OLD]["risk_index"] < results[registry.current.version]["risk_index"]


class TestBrokenChecklistAtStartUp:
    def test_the_app_does_not_start_and_says_where(
        self, settings: Settings, registry: ChecklistRegistry, tmp_path: Path
    ) -> None:
        broken = yaml.safe_load(registry.current.source)
        item = broken["sections"][3]["items"][2]
        del item["options"][0]["label"]["en"]
        path = tmp_path / f"almaty-yard-{broken['version']}.yaml"
        path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ChecklistError) as err:
            create_app(settings.model_copy(update={"checklist_dir": tmp_path}))
        message = str(err.value)
        assert path.name in message and item["id"] in message and "en" in message


class TestRetiredVersionFile:
    def test_the_daily_refresh_scores_a_version_only_the_database_holds(
        self,
        settings: Settings,
        registry: ChecklistRegistry,
        two_versions: Path,
        own_database: str,
    ) -> None:
        # Stored with the old edition's file present; its file is then retired (the data
        # folder holds the current edition only), as a deployment may do.
        with_old = settings.model_copy(
            update={"checklist_dir": two_versions, "database_url": own_database}
        )
        with TestClient(create_app(with_old)) as client:
            body = submission_body(registry.current, checklist_version=OLD)
            response = client.post("/api/v1/submissions", json=body)
            assert response.status_code == 201, response.text
            stored_index = response.json()["risk_index"]
        current_only = with_old.model_copy(update={"checklist_dir": settings.checklist_dir})
        assert OLD not in load_registry(current_only.checklist_dir).versions
        # The old edition comes from its stored source, so the yard's figure is not refused
        # (nor based on its other checks alone): the refresh runs, the figure is the same.
        assert refresh_yards(current_only) >= 1
        db = Database(own_database)
        try:
            with db.session() as session:
                yard_id = session.exec(
                    select(Submission.yard_id).where(Submission.id == uuid.UUID(body["id"]))
                ).one()
                kept = session.exec(select(YardRisk).where(YardRisk.yard_id == yard_id)).one()
        finally:
            db.dispose()
        assert kept.risk_index == stored_index
