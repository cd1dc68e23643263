"""No data looks like no data in the area APIs and exports; flag reasons in the request's
language (the same text the pages show)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.channels.web.formatting import Formatter
from app.checklists.loader import ChecklistRegistry
from app.platform import translations
from app.platform.db import Database
from app.platform.languages import Lang
from app.scoring import Flag
from tests.accounts.support import create_user, logged_in
from tests.factories import create_yard, new_location, post_submission


@pytest.fixture(scope="module")
def staff(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


def _features(staff: TestClient, **params: str) -> dict[str, dict[str, Any]]:
    body = staff.get("/api/v1/micro-districts.geojson", params=params).json()
    return {f["id"]: f["properties"] for f in body["features"]}


def _unchecked_area(db: Database) -> str:
    """An area of its own holding one yard that nobody has checked."""
    with db.session() as session:
        yard = create_yard(session, location=new_location("medeu", own_area=True))
        session.commit()
        assert yard.micro_district_id is not None
        return yard.micro_district_id


def _reason(lang: Lang, flag: dict[str, Any]) -> str:
    token = translations.current_lang.set(lang)
    try:
        values = tuple(flag["values"].items())
        return Formatter(lang).flag_reason(Flag(flag["code"], "", values))
    finally:
        translations.current_lang.reset(token)


class TestNoData:
    def test_geojson_has_no_number_and_tells_the_two_cases_apart(
        self, staff: TestClient, db: Database
    ) -> None:
        area = _unchecked_area(db)
        features = _features(staff)
        unchecked = features[area]
        assert unchecked["yards_known"] >= 1 and unchecked["yards_audited"] == 0
        assert unchecked["data_state"] == "not_checked"
        assert (unchecked["value"], unchecked["coverage_risk"], unchecked["mean_risk"]) == (
            None,
            None,
            None,
        )
        assert unchecked["flags"] == []  # never checked: not "stale", not "not enough data"
        empty = [p for p in features.values() if p["yards_known"] == 0]
        assert empty, "the test city has cells without a yard"
        for props in empty:
            assert props["data_state"] == "no_yards" and props["yards_audited"] == 0
            assert props["value"] is None and props["coverage_risk"] is None
            assert props["flags"] == []
        # With ?section= too: no share where nothing was audited.
        assert _features(staff, section="lighting")[area]["value"] is None

    def test_csv_leaves_the_cells_empty(self, staff: TestClient, db: Database) -> None:
        area = _unchecked_area(db)
        text = staff.get("/api/v1/exports/areas.csv").text
        rows = list(csv.DictReader(io.StringIO("".join(text.splitlines(True)[1:]))))
        row = next(r for r in rows if r["id"] == area)
        assert (row["coverage_risk"], row["mean_risk"], row["flags"]) == ("", "", "")
        assert row["data_state"] == "not_checked"

    def test_districts_without_audits_have_no_figure(self, staff: TestClient) -> None:
        for d in staff.get("/api/v1/districts").json()["districts"]:
            if d["yards_audited"] == 0:
                assert d["coverage_risk"] is None and d["mean_risk"] is None


class TestFlagReasonsInTheRequestLanguage:
    def test_geojson_panel_and_csv_in_kk_ru_en(
        self, client: TestClient, staff: TestClient, registry: ChecklistRegistry
    ) -> None:
        # One audited yard in an area of its own: "not enough data".
        created = post_submission(
            client, registry.current, location=new_location("medeu", own_area=True)
        )
        area = created["micro_district_id"]
        texts = {}
        for lang in ("kk", "ru", "en"):
            (flag,) = _features(staff, lang=lang)[area]["flags"]
            assert flag["code"] == "not_enough_data" and flag["values"]["audited"] == 1
            assert flag["reason"] == _reason(lang, flag)
            panel = staff.get(f"/api/v1/micro-districts/{area}", params={"lang": lang}).json()
            assert panel["figures"]["flags"][0]["reason"] == flag["reason"]
            csv_text = staff.get("/api/v1/exports/areas.csv", params={"lang": lang}).text
            assert flag["reason"] in csv_text
            texts[lang] = flag["reason"]
        assert len(set(texts.values())) == 3
        assert "audited yards" in texts["en"]
        assert "audited" not in texts["kk"] and "audited" not in texts["ru"]
