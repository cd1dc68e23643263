"""``safeyard demo`` loads the demo bodies, adds synthetic cooperatives and routes every
finding; a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from app.bodies.models import Body, BodyItem, YardCooperative
from app.channels.cli.main import cli
from app.findings.models import Finding, FindingEvent
from app.platform.config import get_settings
from app.platform.db import Database


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    args = ["demo", "--yards", "40", "--submissions", "200", "--seed", "7"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "new synthetic cooperatives" in first.output
    db = Database(url)
    yield db
    db.dispose()
    get_settings.cache_clear()


def snapshot(db: Database) -> tuple[object, ...]:
    with db.session() as session:
        return (
            sorted((b.id, b.updated_at) for b in session.exec(select(Body))),
            session.exec(select(func.count()).select_from(BodyItem)).one(),
            session.exec(select(func.count()).select_from(YardCooperative)).one(),
            session.exec(select(func.count()).select_from(FindingEvent)).one(),
            sorted((f.id, f.body_id, f.state) for f in session.exec(select(Finding))),
        )


class TestDemoBodies:
    def test_routes_every_finding_and_cooperative_items(self, demo_db: Database) -> None:
        with demo_db.session() as session:
            findings = session.exec(select(Finding)).all()
            bodies = {b.id: b for b in session.exec(select(Body))}
            keeper = {link.yard_id: link.body_id for link in session.exec(select(YardCooperative))}
            coop_items = {
                item.item_id
                for item in session.exec(select(BodyItem))
                if bodies[item.body_id].kind == "cooperative"
            }
        assert any(f.confirmed for f in findings)
        assert all(f.body_id is not None for f in findings if f.confirmed)
        assert keeper and all(bodies[b].kind == "cooperative" for b in keeper.values())
        assert all(
            bodies[b].synthetic and bodies[b].email.endswith(".example") for b in keeper.values()
        )  # type: ignore[union-attr]
        checked = {"coop": 0, "housing": 0}
        for f in findings:
            if f.item_id not in coop_items or f.state != "open":
                continue
            body = bodies[f.body_id]  # type: ignore[index]
            if f.yard_id in keeper:
                assert body.id == keeper[f.yard_id], f
                checked["coop"] += 1
            else:
                assert body.kind == "akimat_housing" and body.district_id == f.district_id, f
                checked["housing"] += 1
        assert checked["coop"] and checked["housing"]

    def test_a_second_run_changes_nothing(self, demo_db: Database) -> None:
        before = snapshot(demo_db)
        again = CliRunner().invoke(
            cli, ["demo", "--yards", "40", "--submissions", "200", "--seed", "7"]
        )
        assert again.exit_code == 0, again.output
        assert "0 new synthetic cooperatives" in again.output
        assert snapshot(demo_db) == before
