"""An existing database upgraded to the findings release gets its findings at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from alembic import command
from app.channels.cli.main import cli
from app.findings.models import Finding, FindingEvent
from app.platform import migrate
from app.platform.config import get_settings
from app.platform.db import Database


@pytest.fixture
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    monkeypatch.setenv("SAFEYARD_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _counts(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        with db.session() as session:
            findings = session.execute(select(func.count()).select_from(Finding)).scalar_one()
            confirmed = session.execute(
                select(func.count()).select_from(Finding).where(Finding.confirmed)  # type: ignore[arg-type]
            ).scalar_one()
            events = session.execute(select(func.count()).select_from(FindingEvent)).scalar_one()
    finally:
        db.dispose()
    return findings, confirmed, events


class TestUpgrade:
    def test_migrate_opens_the_findings_of_a_database_from_before_them(
        self, scratch_db: str
    ) -> None:
        runner = CliRunner()
        demo = runner.invoke(cli, ["demo", "--yards", "12", "--submissions", "40", "--seed", "3"])
        assert demo.exit_code == 0, demo.output
        at_demo = _counts(scratch_db)
        assert at_demo[0] > 0 and at_demo[2] >= at_demo[0]
        # The database as the previous release left it: no findings tables at all.
        command.downgrade(migrate.alembic_config(scratch_db), "e7consensus07")
        result = runner.invoke(cli, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "upgraded: refreshed 12 yards" in result.output
        findings, confirmed, events = _counts(scratch_db)
        # The same failing items, read from the yards' current answers; nothing verified or
        # reopened by a recomputation (no submission triggers it).
        assert confirmed > 0 and findings >= confirmed and events == findings
        db = Database(scratch_db)
        with db.session() as session:
            states = set(session.execute(select(Finding.state)).scalars())  # type: ignore[call-overload]
        db.dispose()
        assert states <= {"open"}
