"""``safeyard validate``: the stored run and its two files; a clear refusal with nothing to
validate; the report page self-contained, in the chosen language, banner when synthetic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.channels.cli.validate import report_html
from app.checklists.loader import ChecklistRegistry
from app.offences.models import Offence, OffenceImport
from app.platform import migrate
from app.platform.config import Settings, get_settings
from app.platform.db import Database
from app.platform.translations import current_lang
from app.validation.models import ValidationRun
from tests.offences_factories import add_import
from tests.validation.offence_rows import add_offence, small_world
from tests.validation.planted import planted_result


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    get_settings.cache_clear()


def point_cli_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()


@pytest.fixture
def committed_world(
    db: Database, registry: ChecklistRegistry, settings: Settings
) -> Iterator[list[int]]:
    """The small world committed (its yards are the test's own), with synthetic offences;
    the offences, their import and the runs made meanwhile are removed after."""
    with db.write_session() as session:
        before = session.execute(select(ValidationRun.id)).scalars().all()  # type: ignore[call-overload]
        made = small_world(session, registry, settings)
        source = add_import(session, synthetic=True, source="SafeYard demo (synthetic)")
        for day in (date(2025, 6, 2), date(2025, 9, 1), date(2026, 5, 30)):
            add_offence(session, source, day=day, area_id=made.area, synthetic=True)
    try:
        yield [source]
    finally:
        with db.write_session() as session:
            session.execute(delete(Offence).where(Offence.import_id == source))  # type: ignore[arg-type]
            session.execute(delete(OffenceImport).where(OffenceImport.id == source))  # type: ignore[arg-type]
            session.execute(delete(ValidationRun).where(ValidationRun.id.not_in(before)))  # type: ignore[union-attr]


class TestValidateCommand:
    def test_files_and_stored_run(
        self,
        db: Database,
        committed_world: list[int],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        use_database: None,
    ) -> None:
        point_cli_at(monkeypatch, db.url)
        out = tmp_path / "report"
        result = CliRunner().invoke(
            cli,
            ["validate", "--as-of", "2025-06-01", "--out", str(out), "--bootstrap", "100",
             "--lang", "en"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "SYNTHETIC DATA" in result.output
        assert "Spearman rho: not reported" in result.output
        stored = json.loads((out / "validation.json").read_text(encoding="utf-8"))
        assert stored["data"]["as_of"] == "2025-06-01"
        assert stored["synthetic"] is True
        page = (out / "validation.html").read_text(encoding="utf-8")
        assert "SYNTHETIC DATA" in page and '<html lang="en">' in page
        with db.session() as session:
            runs = session.execute(
                select(ValidationRun).order_by(ValidationRun.id.desc())  # type: ignore[union-attr]
            ).scalars()
            assert next(runs).result == stored  # the run the panel shows is the file's

    def test_a_bad_date(self, use_database: None) -> None:
        result = CliRunner().invoke(cli, ["validate", "--as-of", "1 June"])
        assert result.exit_code != 0
        assert "YYYY-MM-DD" in result.output

    def test_no_offences(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_database: None
    ) -> None:
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        migrate.upgrade(url)
        point_cli_at(monkeypatch, url)
        result = CliRunner().invoke(cli, ["validate", "--out", str(tmp_path)])
        assert result.exit_code == 1
        assert "no validation: No registered offences are stored" in result.output
        assert not (tmp_path / "validation.json").exists()


class TestReportPage:
    def render(self, lang: str) -> str:
        token = current_lang.set(lang)  # type: ignore[arg-type]
        try:
            return report_html(
                planted_result(),
                run_at=datetime(2026, 12, 6, tzinfo=UTC),
                lang=lang,
                item_label=lambda item: {"lighting.entrances": "Entrances lit"}.get(item, item),
            )
        finally:
            current_lang.reset(token)

    def test_self_contained(self) -> None:
        page = self.render("ru")
        assert "<script" not in page and "<link" not in page
        assert 'src="http' not in page and "<style>" in page

    @pytest.mark.parametrize(
        ("lang", "banner"), [("ru", "СИНТЕТИЧЕСКИЕ ДАННЫЕ"), ("kk", "СИНТЕТИКАЛЫҚ ДЕРЕКТЕР")]
    )
    def test_banner_in_the_language(self, lang: str, banner: str) -> None:
        assert banner in self.render(lang)

    def test_numbers_with_intervals(self) -> None:
        page = self.render("en")
        rho = planted_result()["spearman"]
        low, high = (f"{x:.2f}".rstrip("0").rstrip(".") for x in rho["ci"])
        assert f"95% interval {low} to {high}" in page
        assert "Entrances lit" in page  # candidate weights name the item

    def test_not_enough_data_instead_of_numbers(self) -> None:
        result = json.loads(json.dumps(planted_result()))
        result["spearman"] = {
            "status": "not_enough_data", "reason": "too_few_areas", "needed": 85, "have": 12,
            "value": None, "ci": None, "n_blocks": 2, "ci_rough": True,
        }  # fmt: skip
        token = current_lang.set("en")
        try:
            page = report_html(
                result, run_at=datetime(2026, 12, 6, tzinfo=UTC), lang="en", item_label=str
            )
        finally:
            current_lang.reset(token)
        assert (
            "Not enough data to say: Too few areas with enough audited yards. "
            "It needs 85, there are 12."
        ) in page
