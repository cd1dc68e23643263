"""The micro-district map rebuilt after each write (kept sums, feature texts reused when
their shown figures did not move, cells without a yard never made again, names kept per
language, gzip parts compressed again only where a feature changed) is byte for byte the
body a process with nothing kept builds, in every language, with ?section= and ?district=."""

from __future__ import annotations

import json
import random

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.areas import service
from app.areas.kept import AreaKeeper
from app.areas.shapes import AreaShapes, MicroDistrictShape, area_name, district_names_ru
from app.channels.api.area_reasons import reasons
from app.checklists.loader import ChecklistRegistry
from app.platform import translations
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for, new_location, submission_body

MAP = "/api/v1/micro-districts.geojson"
VIEWS = ({}, {"section": "lighting"}, {"district": "almaly"})


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.inspector))


def _read(inspector: TestClient, lang: str, view: dict[str, str]) -> tuple[bytes, bytes]:
    params = {**view, "lang": lang}
    plain = inspector.get(MAP, params=params, headers={"Accept-Encoding": "identity"})
    zipped = inspector.get(MAP, params=params, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200, plain.text
    assert zipped.headers["content-encoding"] == "gzip"
    # httpx decodes the gzip body: what was sent is compared through it.
    return plain.content, zipped.content


def _fresh(inspector: TestClient, lang: str, view: dict[str, str]) -> tuple[bytes, bytes]:
    """The same read in a process that kept nothing (a new keeper: no sums, texts, names)."""
    context = inspector.app.state.context  # type: ignore[attr-defined]
    kept = context.area_keeper
    context.area_keeper = AreaKeeper()
    try:
        return _read(inspector, lang, view)
    finally:
        context.area_keeper = kept


@pytest.mark.parametrize("seed", [1, 2])
def test_rebuilt_after_writes_equals_a_fresh_build(
    client: TestClient, inspector: TestClient, registry: ChecklistRegistry, seed: int
) -> None:
    rng = random.Random(seed)
    loaded = registry.current
    places: list[dict[str, float]] = []
    for _ in range(4):
        pick = rng.choice(["best", "worst"])
        # Half the time a yard seen before (its risk row rewritten), else a new yard.
        location = (
            rng.choice(places)
            if places and rng.random() < 0.5
            else new_location(rng.choice(["almaly", "medeu", "bostandyk"]))
        )
        places.append(location)
        body = submission_body(loaded, answers=answers_for(loaded, pick=pick), location=location)
        created = client.post("/api/v1/submissions", json=body)
        assert created.status_code == 201, created.text
        for lang in ("kk", "ru", "en"):
            for view in VIEWS:
                kept = _read(inspector, lang, view)
                assert kept == _fresh(inspector, lang, view)
                # And the kept body, read again, is the same bytes.
                assert _read(inspector, lang, view) == kept


def test_a_cell_without_a_yard_reads_as_no_yards(inspector: TestClient) -> None:
    plain, zipped = _read(inspector, "en", {})
    assert plain == zipped
    features = [f["properties"] for f in json.loads(plain)["features"]]
    empty = [p for p in features if p["yards_known"] == 0]
    assert empty and all(p["data_state"] == "no_yards" and p["flags"] == [] for p in empty)
    assert all(p["value"] is None and p["gi_z"] is None for p in empty)


def test_every_feature_is_a_full_recomputation(
    client: TestClient, inspector: TestClient, db: Database, registry: ChecklistRegistry
) -> None:
    """The body's properties against every area's figures made the plain way (all areas,
    no kept sums, ``as_dict``), after writes that the kept state followed."""
    loaded = registry.current
    for pick in ("worst", "best"):
        body = submission_body(loaded, answers=answers_for(loaded, pick=pick))
        assert client.post("/api/v1/submissions", json=body).status_code == 201
        inspector.get(MAP)  # the kept state follows the write
    context = inspector.app.state.context  # type: ignore[attr-defined]
    for lang in ("kk", "en"):
        features = json.loads(_read(inspector, lang, {"section": "lighting"})[0])["features"]
        token = translations.current_lang.set(lang)
        try:
            with db.session() as session:
                shapes = context.area_keeper.shapes(session)
                report = service.micro_district_figures(
                    session,
                    settings=context.settings,
                    neighbours=shapes.neighbours,
                    sections=loaded.scoring.sections,
                )
                names = district_names_ru(session)
                expected = {}
                for shape in shapes.micro_districts.values():
                    one = report.areas[shape.id].as_dict(reasons(lang))
                    one.update(
                        name=area_name(shape, names),
                        kind=shape.kind,
                        district_id=shape.district_id,
                        value=one["section_fail_share"].get("lighting"),
                    )
                    expected[shape.id] = json.loads(json.dumps(one))
        finally:
            translations.current_lang.reset(token)
        assert {f["id"]: f["properties"] for f in features} == expected
        assert [f["id"] for f in features] == list(expected)


class TestAreaNames:
    """The keeper's names per language equal ``area_name`` of each cell, follow a renamed
    district, and read the districts only when a cell has no name of its own."""

    @staticmethod
    def _shapes(*named: bool) -> AreaShapes:
        cells = {
            f"c{n}": MicroDistrictShape(
                f"c{n}",
                f"Улица {n}" if has else None,
                "test",
                "almaly",
                {},
                f"{n} көшесі" if has else None,
                f"{n} St." if has else None,
            )
            for n, has in enumerate(named)
        }
        return AreaShapes(cells, {i: frozenset() for i in cells})

    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_equal_to_area_name(self, lang: str) -> None:
        shapes, keeper = self._shapes(True, False), AreaKeeper()
        token = translations.current_lang.set(lang)
        try:
            for districts in ({"almaly": "Алмалинский"}, {"almaly": "Renamed"}, {}):
                names = keeper.area_names(shapes, lambda d=districts: d)
                expected = {s.id: area_name(s, districts) for s in shapes.micro_districts.values()}
                assert names == expected
        finally:
            translations.current_lang.reset(token)

    def test_named_cells_read_no_district(self) -> None:
        shapes, keeper = self._shapes(True, True), AreaKeeper()

        def unread() -> dict[str, str]:
            raise AssertionError("read")

        first = keeper.area_names(shapes, unread)
        assert keeper.area_names(shapes, unread) is first
        assert first == {s.id: area_name(s) for s in shapes.micro_districts.values()}
