"""Every channel goes through the one intake: the same checklist sent by the API and by the
no-JavaScript form is stored as the same row, and no channel writes a submission itself."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.checklists.loader import ChecklistRegistry
from app.platform.config import PROJECT_ROOT
from app.platform.db import Database, table_of
from app.submissions.models import Submission
from tests.factories import answers_for, new_location
from tests.pages.support import fill_from, send

# Differ by nature between two submissions: their ids and the time they arrived.
OWN = {"id", "received_at", "body_sha256"}


def row(db: Database, submission_id: str) -> dict[str, Any]:
    table = table_of(Submission)
    with db.session() as session:
        found = session.execute(select(table).where(table.c.id == uuid.UUID(submission_id)))
        return {k: v for k, v in found.mappings().one().items() if k not in OWN}


class TestSameRowFromEveryChannel:
    def test_the_api_and_the_form_store_the_same_row(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        loaded = registry.current
        location = new_location("nauryzbay")  # committed: away from other tests' areas
        answers = answers_for(loaded, pick="best")
        comment = "Темно у второго подъезда"
        by_api = client.post(
            "/api/v1/submissions",
            json={
                "id": str(uuid.uuid4()),
                "checklist_version": loaded.version,
                "location": location,
                "answers": answers,
                "item_comments": {"lighting.at_night": comment},
                "comment": "Двор большой",
            },
        )
        assert by_api.status_code == 201, by_api.text
        client.cookies.clear()  # a resident without an account
        fields = fill_from(client, "&".join(f"{k}={v}" for k, v in location.items()))
        by_form = send(
            client,
            fields,
            answers,
            comments={"lighting.at_night": comment},
            comment="Двор большой",
        )
        assert by_form.status_code == 303, by_form.text[:500]
        api_row, form_row = row(db, by_api.json()["id"]), row(db, fields["id"])
        assert api_row == form_row
        assert api_row["yard_id"] == by_api.json()["yard_id"]  # the second joined the first's yard


class TestNoChannelRepeatsTheSteps:
    def test_only_the_intake_stores_places_and_keeps_the_yards_risk(self) -> None:
        """The intake's writing steps are called from the intake alone (and the daily refresh
        of the window); channels and the demo generator call the intake."""
        steps = re.compile(
            r"\b(insert_once|record_submission|refresh_yard_risk|placement\.place|create_yard)\("
        )
        allowed = {
            "app/intake/service.py",
            "app/intake/placement.py",
            "app/intake/reports.py",  # a resident's report is placed by the same rules
            "app/submissions/service.py",
            "app/submissions/yard_risk.py",
            "app/yards/service.py",
        }
        callers = {
            str(path.relative_to(PROJECT_ROOT))
            for path in Path(PROJECT_ROOT, "app").rglob("*.py")
            if steps.search(path.read_text(encoding="utf-8"))
        }
        assert callers <= allowed, callers - allowed
        for channel in (
            "app/channels/api/submissions.py",
            "app/channels/pages/checklist.py",
            "app/demo/synthetic.py",
        ):
            assert "from app.intake import service" in Path(PROJECT_ROOT, channel).read_text()
