"""The validation recovers what was planted, through the whole pipeline: synthetic offences
stored by ``store_offences`` (``app.demo.offences``), read back by ``build_area_data``,
evaluated and stored as a ``validation_run``; the figures are read from the stored run.

One world of ~100 audited areas (tests/validation/recovery_world.py) is built once for the
module; each test plants its offences in a savepoint that is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo.offences import generate_offences
from app.platform.db import Database
from app.validation.models import ValidationRun
from app.validation.service import run_validation
from tests.validation.recovery_world import AS_OF, World, build_world

pytestmark = pytest.mark.slow
N_BOOT = 200  # the tests judge intervals far from their bounds: 200 resamples settle them


@pytest.fixture(scope="module")
def world_connection(
    db: Database, registry: ChecklistRegistry
) -> Iterator[tuple[Connection, World]]:
    connection = db.engine.connect()
    outer = connection.begin()
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        world = build_world(session, registry=registry)
        session.commit()  # releases the session's savepoint into the outer transaction
    try:
        yield connection, world
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def world(world_connection: tuple[Connection, World]) -> Iterator[tuple[Session, World]]:
    """The world in a session whose writes are undone after the test."""
    connection, built = world_connection
    nested = connection.begin_nested()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session, built
    finally:
        session.close()
        nested.rollback()


def validated(session: Session, world: World, **planted: Any) -> dict[str, Any]:
    """Plant offences in the world's areas, run the validation and read the stored run."""
    generate_offences(session, as_of=AS_OF, area_ids=world.area_ids, **planted)
    run = run_validation(session, as_of=AS_OF, seed=1, n_boot=N_BOOT)
    session.expire_all()
    stored = session.get(ValidationRun, run.id)
    assert stored is not None and stored.synthetic
    return stored.result


def contains(ci: list[float], value: float) -> bool:
    return ci[0] <= value <= ci[1]


class TestPlantedEffect:
    def test_recovers_the_planted_rate_ratio(self, world: tuple[Session, World]) -> None:
        session, built = world
        result = validated(session, built, seed=3, rate_ratio_per_10=1.4)

        assert result["n_areas"] >= 90 and result["synthetic"] is True
        model = result["model"]
        assert model["status"] == "ok"
        assert contains(model["ci"], 1.4) and model["ci"][0] > 1
        rho = result["spearman"]
        assert rho["status"] == "ok" and rho["value"] > 0 and rho["ci"][0] > 0
        assert result["pai"]["10"]["status"] == "ok" and result["pai"]["10"]["value"] > 1
        assert result["negative_control"]["flag"] is False
        assert result["data"]["offences"]["synthetic"] is True


class TestNull:
    def test_finds_nothing_where_nothing_was_planted(self, world: tuple[Session, World]) -> None:
        session, built = world
        result = validated(session, built, seed=4, rate_ratio_per_10=1.0)

        model = result["model"]
        assert model["status"] == "ok" and contains(model["ci"], 1.0)
        assert result["verdict"]["correlation"]["status"] == "not_met"
        assert result["verdict"]["adds_to_baselines"]["status"] == "not_met"


class TestNegativeControl:
    def test_not_flagged_when_fraud_is_independent(self, world: tuple[Session, World]) -> None:
        session, built = world
        result = validated(session, built, seed=5, rate_ratio_per_10=1.4)

        control = result["negative_control"]
        assert control["status"] == "ok" and control["flag"] is False
        assert contains(control["rate_ratio_per_10"]["ci"], 1.0)
        assert result["verdict"]["warning"] is None

    def test_flagged_when_fraud_tracks_the_index(self, world: tuple[Session, World]) -> None:
        session, built = world
        result = validated(
            session, built, seed=5, rate_ratio_per_10=1.4, control_rate_ratio_per_10=1.4
        )

        control = result["negative_control"]
        assert control["flag"] is True and control["flag_reason"] is not None
        assert control["rate_ratio_per_10"]["ci"][0] > 1
        assert result["verdict"]["warning"] == control["flag_reason"]
