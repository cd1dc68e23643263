"""What ``app.findings.outcome_ends`` keeps of a past month's end gives exactly the history
query's owed findings (``outcomes._owed``), in worlds of random histories whose truth is
known: findings of three districts with random events (bodies, states, dates), confirmed or
not, with or without a deadline; then rounds of committed writes like the app's (new events,
events dated in the past, a deadline moved, a late confirmation, a reopening that unconfirms)
and, after each, every closed month, group and scope compared three ways: the kept figures,
the old query and the world's own count.

The keeper works from committed rows only, so these worlds live in a database of their own
(PostgreSQL keeps nothing: there the comparison checks the query path alone).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.findings import outcome_ends
from app.findings.models import ACTIVE_STATES, Finding, FindingEvent
from app.findings.outcomes import Group, Period, _owed, _scope, outcomes
from app.platform import migrate
from app.platform.db import Database, table_of
from tests.databases import empty_database
from tests.factories import create_yard
from tests.findings_factories import new_body

_F = table_of(Finding)
_E = table_of(FindingEvent)
NOW = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
MONTHS = ("2026-02", "2026-03", "2026-04", "2026-05")
START = datetime(2026, 1, 10, tzinfo=UTC)
DISTRICTS = ("almaly", "bostandyk", "medeu")
STATES = ("open", "sent", "in_progress", "fix_reported", "verified", "withdrawn")
ACTIVE = {s.value for s in ACTIVE_STATES}
GROUPS: tuple[Group, ...] = ("district", "area", "body", "all")


@dataclass
class Story:
    """One finding as the world knows it: its row's columns and its events in id order."""

    id: int
    district: str
    area: str | None
    confirmed: bool
    confirmed_at: datetime | None
    deadline_at: datetime | None
    events: list[tuple[int, datetime, str, str | None]] = field(default_factory=list)

    def owed_at(self, at: datetime) -> tuple[str | None, bool] | None:
        """(its body then, overdue) if it was owed a fix at ``at`` by its history."""
        if not self.confirmed or self.confirmed_at is None or self.confirmed_at > at:
            return None
        by_then = [e for e in self.events if e[1] <= at]
        if not by_then:
            return None
        _, _, state, body = max(by_then)
        if state not in ACTIVE:
            return None
        return body, self.deadline_at is not None and self.deadline_at < at


class World:
    def __init__(self, db: Database, rng: random.Random, bodies: list[str]) -> None:
        self.db = db
        self.rng = rng
        self.bodies = [*bodies, None]
        self.stories: dict[int, Story] = {}

    def moment(self) -> datetime:
        return START + timedelta(seconds=self.rng.uniform(0, (NOW - START).total_seconds()))

    def event(self, connection: Any, story: Story, at: datetime, state: str) -> None:
        body = self.rng.choice(self.bodies)
        event_id = connection.execute(
            insert(_E)
            .values(
                finding_id=story.id,
                at=at,
                from_state=None,
                to_state=state,
                actor="system",
                action=self.rng.choice(("sent", "reopened", "verified", "assigned")),
                body_id=body,
                details={},
            )
            .returning(_E.c.id)
        ).scalar_one()
        story.events.append((event_id, at, state, body))
        connection.execute(update(_F).where(_F.c.id == story.id).values(state=state))

    def build(self, yards: list[tuple[int, str, str | None]], count: int) -> None:
        with self.db.write_session() as session:
            connection = session.connection()
            for n in range(count):
                yard_id, district, area = self.rng.choice(yards)
                opened = self.moment()
                confirmed = self.rng.random() < 0.8
                story = Story(
                    id=0,
                    district=district,
                    area=area,
                    confirmed=confirmed,
                    confirmed_at=opened + timedelta(days=self.rng.uniform(0, 20))
                    if confirmed
                    else None,
                    deadline_at=None
                    if self.rng.random() < 0.2
                    else opened + timedelta(days=self.rng.uniform(0, 60)),
                )
                story.id = connection.execute(
                    insert(_F)
                    .values(
                        yard_id=yard_id,
                        item_id=f"item-{n}",
                        kind="checklist",
                        district_id=district,
                        micro_district_id=area,
                        state="open",
                        confirmed=confirmed,
                        confirmed_at=story.confirmed_at,
                        deadline_at=story.deadline_at,
                        risk=0.5,
                        basis="consensus",
                        checklist_version="test",
                        opened_at=opened,
                        updated_at=opened,
                    )
                    .returning(_F.c.id)
                ).scalar_one()
                self.stories[story.id] = story
                at = opened
                for _ in range(self.rng.randint(0, 6)):
                    self.event(connection, story, at, self.rng.choice(STATES))
                    at += timedelta(days=self.rng.expovariate(1 / 15))

    def round(self, changes: int) -> None:
        """One committed transaction of writes like the app's: each change writes an event."""
        with self.db.write_session() as session:
            connection = session.connection()
            for story in self.rng.sample(list(self.stories.values()), changes):
                kind = self.rng.random()
                # Mostly now; sometimes dated in the past (generated data, a straddling write).
                at = NOW if self.rng.random() < 0.7 else self.moment()
                if kind < 0.2:  # sent again: a new deadline
                    story.deadline_at = at + timedelta(days=self.rng.uniform(-20, 30))
                    connection.execute(
                        update(_F).where(_F.c.id == story.id).values(deadline_at=story.deadline_at)
                    )
                elif kind < 0.35:  # confirmed now, or reopened and left unconfirmed
                    story.confirmed = not story.confirmed
                    story.confirmed_at = at if story.confirmed else None
                    connection.execute(
                        update(_F)
                        .where(_F.c.id == story.id)
                        .values(confirmed=story.confirmed, confirmed_at=story.confirmed_at)
                    )
                self.event(connection, story, at, self.rng.choice(STATES))

    def expected(
        self, group: Group, at: datetime, district_ids: Collection[str] | None
    ) -> dict[str | None, tuple[int, int]]:
        figures: dict[str | None, tuple[int, int]] = {}
        for story in self.stories.values():
            if district_ids is not None and story.district not in district_ids:
                continue
            owed = story.owed_at(at)
            if owed is None:
                continue
            body, overdue = owed
            key = {"district": story.district, "area": story.area, "body": body}.get(group, "all")
            active, late = figures.get(key, (0, 0))
            figures[key] = (active + 1, late + overdue)
        return figures


def _kept_figures(
    session: Session, group: Group, period: Period, district_ids: Collection[str] | None
) -> dict[str | None, tuple[int, int]]:
    found = outcomes(session, period=period, group=group, district_ids=district_ids)
    return {k: (v.active, v.overdue) for k, v in found.items() if v.active}


def _query_figures(
    session: Session, group: Group, period: Period, district_ids: Collection[str] | None
) -> dict[str | None, tuple[int, int]]:
    rows = session.connection().execute(_owed(group, period, _scope(district_ids)))
    return {k: (active, overdue or 0) for k, active, overdue in rows}


def _check(world: World) -> None:
    for month in MONTHS:
        period = Period.of_month(month, now=NOW)
        assert not period.running
        for group in GROUPS:
            for scope in (None, DISTRICTS[:2]):
                expected = world.expected(group, period.at, scope)
                with world.db.session() as session:
                    assert _query_figures(session, group, period, scope) == expected
                    assert _kept_figures(session, group, period, scope) == expected, (
                        month,
                        group,
                        scope,
                    )


@pytest.fixture
def world_db(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[Database]:
    outcome_ends.forget()
    with empty_database(tmp_path / "ends.db", prefix="safeyard_ends") as url:
        migrate.upgrade(url)
        database = Database(url)
        load_reference_data(database, registry=registry)
        try:
            yield database
        finally:
            database.dispose()
            outcome_ends.forget()


def _world(db: Database, seed: int) -> World:
    with db.write_session() as session:
        bodies = [new_body(session, district=d).id for d in DISTRICTS]
        yards = []
        for district in DISTRICTS:
            for _ in range(3):
                yard = create_yard(session, district=district)
                yards.append((yard.id, district, yard.micro_district_id))
    world = World(db, random.Random(seed), bodies)
    world.build(yards, 160)
    return world


class TestKeptEnds:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_equal_to_the_history_after_every_round(self, world_db: Database, seed: int) -> None:
        world = _world(world_db, seed)
        _check(world)
        for changes in (1, 5, 30):
            world.round(changes)
            _check(world)

    def test_kept_after_a_read_and_moved_by_the_next_write(self, world_db: Database) -> None:
        world = _world(world_db, 7)
        if not world_db.is_sqlite:
            pytest.skip("PostgreSQL keeps nothing")
        _check(world)
        with world_db.session() as session:
            newest = session.connection().execute(select(func.max(_E.c.id))).scalar()
        assert {kept.watermark for kept in outcome_ends._kept.values()} == {newest}
        world.round(3)
        _check(world)
        assert {kept.watermark for kept in outcome_ends._kept.values()} == {newest + 3}

    def test_a_rolled_back_write_is_never_kept(self, world_db: Database) -> None:
        world = _world(world_db, 11)
        _check(world)
        period = Period.of_month(MONTHS[-1], now=NOW)
        owing = [s for s in world.stories.values() if s.owed_at(period.at)]
        with world_db.write_session() as session:
            connection = session.connection()
            # Verified before the month's end, in a transaction that will not commit.
            for story in owing:
                connection.execute(
                    insert(_E).values(
                        finding_id=story.id,
                        at=period.at - timedelta(hours=1),
                        to_state="verified",
                        actor="system",
                        action="verified",
                        details={},
                    )
                )
            assert _kept_figures(session, "all", period, None) == {}
            session.rollback()
        _check(world)
