"""app.bodies.importing: the YAML and CSV formats of docs/BODIES.md, and the demo file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from app.bodies import importing
from app.bodies.schemas import BodiesInvalid
from app.bodies.validation import check_records
from app.checklists.loader import ChecklistRegistry
from app.demo.bodies import DEMO_BODIES

YAML = """
synthetic: true
bodies:
  - id: medeu-police-x
    district: medeu
    kind: police
    name: {ru: "Управление полиции", kk: "Полиция басқармасы", en: "Police"}
    channel: phone
    phone: "+7 000 000 0000"
    deadline_days: 14
    items:
      - social.drinking
      - {id: maintenance.drug_ads, deadline_days: 7}
  - id: city-x
    district: null
    kind: ops_centre
    name: "Ситуационный центр"
    channel: eotinish
    eotinish_category: "Безопасность"
    active: false
    synthetic: false
"""

CSV = (
    "id,district,kind,name_ru,name_kk,name_en,channel,email,phone,eotinish_category,"
    "deadline_days,active,items\n"
    "almaly-x,almaly,akimat_housing,Отдел ЖКХ,ТҮКШ бөлімі,Housing,email,a@akimat.example,,,"
    '30,yes,"lighting.at_night:14; access.basements sightlines.bushes"\n'
    ",,ops_centre,Центр,,,email,c@city.example,,,,,\n"
)


class TestYaml:
    def test_reads_every_field(self) -> None:
        police, city = importing.parse_yaml(YAML)
        assert police.name_kk == "Полиция басқармасы" and police.channel == "phone"
        assert police.items == {"social.drinking": None, "maintenance.drug_ads": 7}
        assert police.synthetic and police.deadline_days == 14 and police.yards is None
        assert city.district_id is None and city.name == "Ситуационный центр"
        assert city.items is None and not city.active and not city.synthetic

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("bodies: [", "not valid YAML"),
            ("items: []", "bodies:"),
            ("bodies:\n  - {id: a, kind: police, colour: red}", "colour"),
            ("bodies:\n  - {id: a, deadline_days: soon}", "soon"),
            ("bodies:\n  - {id: a, items: [{id: x, days: 3}]}", "days"),
            ("bodies:\n  - {id: a, yards: [1, two]}", "two"),
            ("bodies:\n  - {id: a, active: maybe}", "maybe"),
        ],
    )
    def test_form_problems(self, text: str, words: str) -> None:
        with pytest.raises(BodiesInvalid) as exc:
            importing.parse_yaml(text)
        assert words in exc.value.message


class TestCsv:
    def test_reads_items_with_days(self) -> None:
        housing, nameless = importing.parse_csv(CSV)
        assert housing.items == {
            "lighting.at_night": 14,
            "access.basements": None,
            "sightlines.bushes": None,
        }
        assert housing.active and housing.email == "a@akimat.example"
        assert nameless.id == "" and nameless.items == {} and nameless.deadline_days == 30

    def test_missing_columns(self) -> None:
        with pytest.raises(BodiesInvalid) as exc:
            importing.parse_csv("id,kind\nx,police\n")
        assert "name_ru" in exc.value.message and "items" in exc.value.message

    def test_file_kinds(self, tmp_path: Path) -> None:
        path = tmp_path / "bodies.json"
        path.write_text("{}")
        with pytest.raises(BodiesInvalid):
            importing.read_bodies_file(path)


class TestDemoFile:
    def test_is_valid_synthetic_and_reachable_only_at_example(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        records = importing.read_bodies_file(DEMO_BODIES)
        assert all(r.synthetic for r in records)
        assert all(r.email is None or r.email.endswith(".example") for r in records)
        assert {r.channel for r in records} == {"email", "eotinish", "phone"}
        districts = {r.district_id for r in records}
        assert len(districts - {None}) == 8 and None in districts
        # Valid against both checklist versions' items (and every other stored body is
        # another district's or a test's own, so no district x item clash here).
        problems = [
            p
            for p in check_records(session, records=records, registry=registry)
            if p.field != "items" or "already has a body" not in p.message
        ]
        assert problems == []

    def test_housing_lists_what_cooperatives_and_residents_answer_for(
        self, registry: ChecklistRegistry
    ) -> None:
        records = importing.read_bodies_file(DEMO_BODIES)
        for version in registry.versions:
            loaded = registry.get(version)
            assert loaded is not None
            expected = {
                i.id
                for i in loaded.checklist.items()
                if i.responsible and i.responsible[0] in ("cooperative", "residents")
            }
            for r in records:
                if r.kind == "akimat_housing":
                    assert set(r.items or {}) == expected, r.id
            scored = {i.id for i in loaded.checklist.items() if i.scored}
            for district in {r.district_id for r in records} - {None}:
                listed = {
                    i for r in records if r.district_id in (district, None) for i in r.items or {}
                }
                assert listed == scored, district
