"""A validation run (app/validation/service.py): stored with its data section, never
committed; refused with a message a person can act on when there is nothing to validate."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import delete
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.offences.models import Offence
from app.platform.config import Settings
from app.validation.models import ValidationRun
from app.validation.service import NothingToValidate, latest_run, run_validation
from tests.offences_factories import add_import
from tests.validation.offence_rows import AS_OF, SmallWorld, add_offence, small_world


@pytest.fixture
def world(session: Session, registry: ChecklistRegistry, settings: Settings) -> SmallWorld:
    session.execute(delete(Offence))
    made = small_world(session, registry, settings)
    source = add_import(session, synthetic=True, source="SafeYard demo (synthetic)")
    for day in (date(2024, 7, 1), date(2025, 7, 1), date(2026, 5, 1)):
        add_offence(session, source, day=day, area_id=made.area, synthetic=True)
    add_offence(session, source, day=date(2025, 8, 1), area_id=made.area, article="190")
    return made


class TestRunValidation:
    def test_stored_with_its_data(self, session: Session, world: SmallWorld) -> None:
        run = run_validation(session, as_of=AS_OF, n_boot=100)
        assert run.id is not None
        result = run.result
        json.dumps(result)  # plain JSON
        assert result["synthetic"] is True and run.synthetic is True
        data = result["data"]
        assert data["as_of"] == "2025-06-01"
        assert data["windows"]["outcome"] == ["2025-06-01", "2026-06-01"]
        assert data["windows"]["before"] == ["2024-06-01", "2025-06-01"]
        assert data["offences"]["sources"] == ["SafeYard demo (synthetic)"]
        assert data["offences"]["date_from"] == "2024-07-01"
        assert data["offences"]["date_to"] == "2026-05-01"
        assert data["offences"]["outcome_city_wide"] == 2
        assert data["offences"]["control_city_wide"] == 1
        assert data["offences"]["outcome_covered"] is False  # ends a month early
        assert data["audits"]["role"] == "inspector"
        # Two audited yards: below the three an area needs, so no figure is printed.
        assert result["n_areas"] == 0
        assert result["spearman"]["status"] == "not_enough_data"
        assert result["spearman"]["value"] is None
        assert result["verdict"]["correlation"]["status"] == "cannot_say"

    def test_latest(self, session: Session, world: SmallWorld) -> None:
        first = run_validation(session, as_of=AS_OF, n_boot=100)
        second = run_validation(session, as_of=AS_OF, n_boot=100, seed=7)
        latest = latest_run(session)
        assert latest is not None and latest.id == second.id and first.id != second.id
        assert latest.result["seed"] == 7

    def test_default_cutoff(self, session: Session, world: SmallWorld) -> None:
        source = add_import(session)
        add_offence(session, source, day=date(2026, 9, 30), area_id=world.area)
        run = run_validation(session, n_boot=100)
        assert run.result["data"]["as_of"] == "2025-10-01"

    def test_not_committed(
        self, session: Session, world: SmallWorld, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse() -> None:
            raise AssertionError("a service never commits")

        monkeypatch.setattr(session, "commit", refuse)
        run = run_validation(session, as_of=AS_OF, n_boot=100)
        assert session.get(ValidationRun, run.id) is run  # flushed: it has its id


class TestNothingToValidate:
    def test_no_offences(self, session: Session, world: SmallWorld) -> None:
        session.execute(delete(Offence))
        with pytest.raises(NothingToValidate, match="import-offences"):
            run_validation(session, as_of=AS_OF)

    def test_no_audit_before_the_cutoff(self, session: Session, world: SmallWorld) -> None:
        with pytest.raises(NothingToValidate, match="before 2000-01-01"):
            run_validation(session, as_of=date(2000, 1, 1))

    def test_no_year_after_any_audit(self, session: Session, world: SmallWorld) -> None:
        session.execute(delete(Offence))
        source = add_import(session)
        add_offence(session, source, day=date(2025, 9, 1), area_id=world.area)
        with pytest.raises(NothingToValidate, match="do not cover the 12 months"):
            run_validation(session)
