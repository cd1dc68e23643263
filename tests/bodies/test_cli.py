"""``safeyard import-bodies`` on a scratch SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from app.bodies.models import Body, BodyItem
from app.channels.cli.main import cli
from app.checklists.loader import ChecklistRegistry
from app.demo.bodies import DEMO_BODIES
from app.demo.reference import load_reference_data
from app.findings.models import Finding
from app.platform import migrate
from app.platform.config import Settings, get_settings
from app.platform.db import Database
from tests.factories import answers_for, store_submission

BAD = """
bodies:
  - id: almaly-one
    district: almaly
    kind: akimat_housing
    name: {ru: "Отдел ЖКХ"}
    email: one@akimat.example
    items: [lighting.at_night, lighting.no_such_thing]
  - id: almaly-two
    district: almaly
    kind: akimat
    name: {ru: "Аппарат акима"}
    email: "two at akimat.example"
    items: [lighting.at_night]
  - id: atlantis-police
    district: atlantis
    kind: police
    name: {ru: "Полиция"}
    email: police@police.example
"""


@pytest.fixture
def scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: ChecklistRegistry
) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'bodies.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    migrate.upgrade(url)
    db = Database(url)
    load_reference_data(db, registry=registry)
    yield db
    db.dispose()
    get_settings.cache_clear()


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


class TestImportBodies:
    def test_imports_and_routes_findings_opened_before(
        self, scratch: Database, registry: ChecklistRegistry
    ) -> None:
        settings = Settings(database_url=scratch.url)
        with scratch.write_session() as session:
            store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                answers=answers_for(registry.current, role="inspector"),
            )
        with scratch.session() as session:
            unrouted = session.exec(select(Finding).where(Finding.body_id.is_(None))).all()  # type: ignore[union-attr]
        assert unrouted
        runner = CliRunner()
        dry = runner.invoke(cli, ["import-bodies", str(DEMO_BODIES), "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "26 would be created" in dry.output and "nothing stored" in dry.output
        assert count(scratch, Body) == 0
        done = runner.invoke(cli, ["import-bodies", str(DEMO_BODIES)])
        assert done.exit_code == 0, done.output
        assert f"bodies: 26 created, 0 updated, 0 unchanged; findings routed: {len(unrouted)}" in (
            done.output
        )
        with scratch.session() as session:
            assert not session.exec(select(Finding).where(Finding.body_id.is_(None))).all()  # type: ignore[union-attr]
        again = runner.invoke(cli, ["import-bodies", str(DEMO_BODIES)])
        assert "0 created, 0 updated, 26 unchanged; findings routed: 0" in again.output

    def test_csv(self, scratch: Database, tmp_path: Path) -> None:
        path = tmp_path / "bodies.csv"
        path.write_text(
            "id,district,kind,name_ru,name_kk,name_en,channel,email,phone,eotinish_category,"
            "deadline_days,active,items\n"
            "medeu-police,medeu,police,Полиция,,,phone,,+7 000 000 0000,,14,true,"
            "social.drinking:7;maintenance.drug_ads\n",
            encoding="utf-8",
        )
        done = CliRunner().invoke(cli, ["import-bodies", str(path)])
        assert done.exit_code == 0, done.output
        assert count(scratch, BodyItem) == 2

    def test_a_bad_file_changes_nothing_and_lists_every_problem(
        self, scratch: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(BAD, encoding="utf-8")
        result = CliRunner().invoke(cli, ["import-bodies", str(path)])
        assert result.exit_code == 1
        out = result.output
        assert "nothing imported" in out
        assert "Body no. 1 (id “almaly-one”), field “items”" in out and "no_such_thing" in out
        assert "lighting.at_night” already has a body in district “almaly”: almaly-two" in out
        assert "Body no. 2 (id “almaly-two”), field “email”" in out and "two at akimat" in out
        assert "Body no. 3 (id “atlantis-police”), field “district”" in out
        assert count(scratch, Body) == 0
