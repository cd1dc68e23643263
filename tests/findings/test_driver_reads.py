"""The sync's reads as driver SQL (``pipeline.Query`` sent by ``pipeline.send_together``, on
PostgreSQL) give the rows SQLAlchemy's statements give, values converted the same (dates,
JSON); and ``writes.update_findings`` writes each row's own columns only, in one statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import routing, writes, yard_reads
from app.findings.models import Finding
from app.platform import pipeline
from app.platform.config import Settings
from tests.findings.support import DOORS, LIGHT, YardStory, own_bodies_only
from tests.findings_factories import link_cooperative, new_body

_DISTRICT = "medeu"  # the story's locations from another district than most tests'


@pytest.fixture
def story(session: Session, registry: ChecklistRegistry, settings: Settings) -> YardStory:
    own_bodies_only(session)
    new_body(session, kind=BodyKind.utility, items=[LIGHT], district=_DISTRICT)
    new_body(session, kind=BodyKind.akimat, district=_DISTRICT, channel="phone")
    found = YardStory(session, registry=registry, settings=settings, district=_DISTRICT)
    found.send("inspector", {LIGHT: "no", DOORS: "none"})  # confirmed: deadlines set
    assert found.yard_id is not None
    coop = new_body(session, kind=BodyKind.cooperative, items=[DOORS], district=_DISTRICT)
    link_cooperative(session, yard_id=found.yard_id, body_id=coop.id)
    return found


class TestDriverReads:
    def test_the_rows_are_sqlalchemys(self, session: Session, story: YardStory) -> None:
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("PostgreSQL reads through the driver's pipeline")
        finding = story.finding()
        finding.refused_by = ["someone"]
        session.add(finding)
        session.flush()
        assert story.yard_id is not None
        place = {"yard_id": story.yard_id, "district_id": _DISTRICT}
        statements = [yard_reads._YARD_FINDINGS, routing._CANDIDATES]
        reads = [
            pipeline.query(yard_reads._YARD_FINDINGS, connection.dialect).read(
                yard_id=story.yard_id
            ),
            routing.Router.candidates_read(
                connection, yard_id=story.yard_id, district_id=_DISTRICT
            ),
        ]
        pipeline.send_together(connection, reads)
        for statement, read in zip(statements, reads, strict=True):
            expected = [dict(r) for r in connection.execute(statement, place).mappings()]
            assert read.rows == expected
            assert read.rows
        rows = {r["item_id"]: r for r in reads[0].rows}
        assert rows[LIGHT]["deadline_at"].utcoffset() == timedelta(0)
        assert rows[LIGHT]["refused_by"] == ["someone"]


class TestUpdateFindings:
    def test_each_row_its_own_columns(self, session: Session, story: YardStory) -> None:
        findings = story.findings()
        light, doors = findings[LIGHT], findings[DOORS]
        before = {f.item_id: f.model_dump() for f in (light, doors)}
        later = story.later()
        rows: list[dict[str, Any]] = [
            {"id": light.id, "risk": 0.25, "fix_note": None, "updated_at": later},
            {"id": doors.id, "refused_by": ["x"], "reopened": 3},
        ]
        connection = session.connection()
        sent: pipeline.Later | None = None if connection.dialect.name == "sqlite" else []
        writes.update_findings(connection, rows, later=sent)
        if sent is not None:
            assert len(sent) == 1
            pipeline.send_together(connection, sent)
        session.expire_all()
        after = {
            f.item_id: f.model_dump()
            for f in session.exec(select(Finding).where(col(Finding.id).in_([light.id, doors.id])))
        }
        assert after[LIGHT] == {
            **before[LIGHT],
            "risk": 0.25,
            "fix_note": None,
            "updated_at": later,
        }
        assert after[DOORS] == {**before[DOORS], "refused_by": ["x"], "reopened": 3}
