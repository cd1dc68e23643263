"""The place search over the repository's OpenStreetMap names (data/geo/names): folding,
kind words, Kazakh and Russian spellings, ranking, merging of a street's segments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

from app.geo.search import (
    PlaceFound,
    PlaceSearch,
    fold_words,
    load_place_search,
    read_place_search,
    stem,
)
from app.platform.config import PROJECT_ROOT

NAMES_DIR = PROJECT_ROOT / "data" / "geo" / "names"


@pytest.fixture(scope="module")
def index() -> PlaceSearch:
    return load_place_search(NAMES_DIR)


def names(found: list[PlaceFound]) -> list[str]:
    return [p.name for p in found]


class TestFold:
    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("ул. Төле би", ["толе", "би"]),
            ("Төле би көшесі", ["толе", "би"]),
            ("улица Толе Би", ["толе", "би"]),
            ("Абай даңғылы", ["абай"]),
            ("проспект Абая", ["абая"]),
            ("мкр. Аксай-4", ["аксай", "4"]),
            ("Аксай4", ["аксай", "4"]),
            ("микрорайон  АКСАЙ – 4", ["аксай", "4"]),
            ("5-ый микрорайон", ["5"]),
            ("11 ықшам ауданы", ["11"]),
            ("Орбита 1 шағын аудан", ["орбита", "1"]),
            ("Ахметова (Таугуль-3)", ["ахметова", "таугуль", "3"]),
            ("Калкаман 2 м-н", ["калкаман", "2"]),
            ("пер. Ёлочный", ["елочный"]),
            ("Қабанбай батыр көшесі", ["кабанбай", "батыр"]),
            ("ҰЛЫ ДАЛА ҒҰМЫР ӨРІС ҮЙ ҺӘМ", ["улы", "дала", "гумыр", "орис", "хам"]),
            ("Abay avenue", ["абай"]),
            ("Zhandosov street", ["жандосов"]),
            ("ул.", []),
            ("%_*", []),
        ],
    )
    def test_fold_words(self, text: str, words: list[str]) -> None:
        assert fold_words(text) == words

    def test_stems_meet_across_kazakh_nominative_and_russian_genitive(self) -> None:
        assert stem("абай") == stem("абая") == "аба"
        assert stem("ауезов") == stem("ауезова") == "ауезов"
        assert stem("маметова") == stem("маметовой") == "маметов"
        # Three letters always stay.
        assert stem("би") == "би" and stem("ая") == "ая"


class TestSearch:
    def test_kazakh_name_finds_the_russian_mapped_one(self, index: PlaceSearch) -> None:
        found = names(index.search("Абай даңғылы"))
        assert "пр. Абая" in found and "Абай даңғылы" in found

    def test_russian_name_finds_the_kazakh_mapped_one(self, index: PlaceSearch) -> None:
        found = names(index.search("ул. Ауэзова"))
        assert "Әуезов көшесі" in found and "ул. Ауэзова" in found
        assert "Әуезов көшесі" in names(index.search("Әуезов"))

    @pytest.mark.parametrize(
        "query", ["Төле би", "толе би", "ТӨЛЕ БИ", "улица Толе Би", "Толе би көшесі"]
    )
    def test_case_prefixes_and_kazakh_letters_do_not_matter(
        self, index: PlaceSearch, query: str
    ) -> None:
        found = names(index.search(query))
        assert "ул. Толе Би" in found and "Төле би даңғылы" in found

    @pytest.mark.parametrize("query", ["Аксай-4", "аксай 4", "мкр. Аксай4", "микрорайон аксай - 4"])
    def test_hyphens_and_spaces_are_one(self, index: PlaceSearch, query: str) -> None:
        first = index.search(query)[0]
        assert (first.name, first.kind, first.district_id) == (
            "мкр. Аксай-4",
            "micro-district",
            "auezov",
        )

    def test_whole_name_before_prefix_before_word_start_before_substring(
        self, index: PlaceSearch
    ) -> None:
        found = names(index.search("Самал", limit=50))
        # "ул. Самал" is the name itself; "мкр. Самал-1" starts with it; "Жигер (Тау Самалы)"
        # has a word starting with it; "мкр. Таусамалы" only holds it; "ул. Омаровой Жамал"
        # is one letter away.
        order = ["ул. Самал", "мкр. Самал-1", "Жигер (Тау Самалы)", "мкр. Таусамалы"]
        assert [found.index(n) for n in order] == sorted(found.index(n) for n in order)
        assert found[0] == "ул. Самал" and found.index("ул. Омаровой Жамал") > found.index(
            order[-1]
        )

    def test_micro_districts_come_before_streets_of_the_same_rank(self, index: PlaceSearch) -> None:
        found = index.search("Жетысу-2")
        assert found[0].kind == "micro-district" and found[0].name == "мкр. Жетысу-2"

    def test_one_typing_error_is_forgiven(self, index: PlaceSearch) -> None:
        assert "ул. Сатпаева" in names(index.search("Сатбаева"))
        assert "ул. Жандосова" in names(index.search("Жандосва"))
        # Short words must match exactly: three letters are too few to guess.
        assert index.search("Абя") == []

    def test_house_number_is_dropped_when_it_matches_nothing(self, index: PlaceSearch) -> None:
        assert "ул. Тимирязева" in names(index.search("Тимирязева 42"))
        assert "ул. Тимирязева" in names(index.search("ул. Тимирязева, д. 42"))

    def test_latin_transliteration(self, index: PlaceSearch) -> None:
        assert "ул. Кабанбай Батыра" in names(index.search("Kabanbay batyr"))

    def test_limit_and_nothing(self, index: PlaceSearch) -> None:
        assert len(index.search("ул")) == 0
        assert len(index.search("а", limit=10)) <= 10
        assert len(index.search("Абая", limit=3)) == 3
        assert index.search("Несуществующая 999") == []

    def test_stops_without_letters_are_not_places(self, index: PlaceSearch) -> None:
        assert all(any(c.isalpha() for c in p.name) for p in index.search("20 131", limit=50))


class TestPlaces:
    def test_a_street_is_merged_by_name_and_district(self, index: PlaceSearch) -> None:
        found = [p for p in index.search("Толе би", limit=50) if p.name == "ул. Толе Би"]
        districts = [p.district_id for p in found]
        assert len(districts) == len(set(districts)) >= 2
        # Its box holds every segment of that name in that district; its point is on one.
        doc = json.loads((NAMES_DIR / "almaty_streets_osm.geojson").read_text(encoding="utf-8"))
        for place in found:
            parts = [
                shape(f["geometry"])
                for f in doc["features"]
                if f["properties"]["label_ru"] == place.name
                and f["properties"]["district_id"] == place.district_id
            ]
            assert place.bbox == shapely.union_all(parts).bounds
            assert shapely.union_all(parts).distance(Point(place.lon, place.lat)) < 1e-9

    def test_a_micro_district_is_a_point_in_its_district(self, index: PlaceSearch) -> None:
        place = index.search("Коктем-3")[0]
        assert place.kind == "micro-district" and place.bbox is None
        assert place.district_id == "bostandyk"
        assert 43.1 < place.lat < 43.4 and 76.7 < place.lon < 77.2

    def test_without_the_micro_district_file_streets_and_stops_remain(self, tmp_path: Path) -> None:
        for name in ("almaty_streets_osm.geojson", "almaty_transit_stops_osm.geojson"):
            (tmp_path / name).write_bytes((NAMES_DIR / name).read_bytes())
        kinds = {p.kind for p in read_place_search(tmp_path).search("Аксай", limit=50)}
        assert "micro-district" not in kinds and "street" in kinds

    def test_loaded_once(self) -> None:
        assert load_place_search(NAMES_DIR) is load_place_search(NAMES_DIR)
