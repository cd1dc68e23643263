"""Areas nest in districts (app.geo.nesting) and the locator places points in their own
district's areas; area names composed in Russian, Kazakh and English (app.geo.names)."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from app.geo.locator import Area, AreaIndex
from app.geo.names import PlaceLabel, localise_place, osm_spans
from app.geo.nesting import (
    MIN_SLICE_M2,
    source_of,
    split_by_districts,
)

# Two districts side by side at 76.91 E; a cell across the border.
WEST = Area("west", box(76.90, 43.20, 76.91, 43.21))
EAST = Area("east", box(76.91, 43.20, 76.92, 43.21))
CELL = box(76.905, 43.204, 76.913, 43.206)  # ~5/8 west, ~3/8 east


class TestSplitByDistricts:
    def test_a_polygon_across_a_border_becomes_one_area_per_district(self) -> None:
        slices = split_by_districts("c1", CELL, [WEST, EAST])
        assert [(s.id, s.district_id, s.split) for s in slices] == [
            ("c1~east", "east", True),
            ("c1~west", "west", True),
        ]
        assert all(source_of(s.id) == "c1" for s in slices)
        east, west = slices
        assert west.geometry.area == pytest.approx(CELL.area * 5 / 8)
        assert east.geometry.within(EAST.geometry.buffer(1e-12))

    def test_a_polygon_inside_one_district_keeps_its_id_and_outline(self) -> None:
        inside = box(76.901, 43.201, 76.902, 43.202)
        (only,) = split_by_districts("c2", inside, [WEST, EAST])
        assert (only.id, only.district_id, only.split) == ("c2", "west", False)
        assert only.geometry.equals(inside)

    def test_a_sliver_across_the_border_is_dropped(self) -> None:
        # 0.00005° (~4 m) over the border: well under 1% of the polygon and 0.01 km².
        sliver = box(76.905, 43.204, 76.91005, 43.206)
        (only,) = split_by_districts("c3", sliver, [WEST, EAST])
        assert (only.id, only.district_id) == ("c3", "west")
        assert MIN_SLICE_M2 == 10_000

    def test_outside_every_district(self) -> None:
        (only,) = split_by_districts("c4", box(77.5, 43.5, 77.6, 43.6), [WEST, EAST])
        assert only.district_id is None

    def test_an_id_too_long_for_its_slices(self) -> None:
        with pytest.raises(ValueError, match="over 64 characters"):
            split_by_districts("x" * 60, CELL, [WEST, EAST])


class TestLocatorNests:
    def test_points_go_to_their_own_districts_piece(self) -> None:
        pieces = split_by_districts("c1", CELL, [WEST, EAST])
        index = AreaIndex([WEST, EAST], [Area(p.id, p.geometry, p.district_id) for p in pieces])
        west = index.locate(43.205, 76.907)
        east = index.locate(43.205, 76.912)
        assert (west.district_id, west.micro_district_id) == ("west", "c1~west")
        assert (east.district_id, east.micro_district_id) == ("east", "c1~east")

    def test_never_an_area_of_another_district(self) -> None:
        # The old shape: one cell counted in the west, a point in its eastern part.
        index = AreaIndex([WEST, EAST], [Area("c1", CELL, "west")], gap_snap_m=200)
        placed = index.locate(43.205, 76.912)
        assert (placed.district_id, placed.micro_district_id) == ("east", None)
        near_own = AreaIndex(
            [WEST, EAST],
            [Area("c1", CELL, "west"), Area("e1", box(76.914, 43.204, 76.916, 43.206), "east")],
        )
        # Inside c1 (west), ~160 m from e1 (east): the nearest area of its own district.
        assert near_own.locate(43.205, 76.912).micro_district_id == "e1"
        assert near_own.micro_district_in(43.205, 76.912, "west") == "c1"


class TestLocalisedNames:
    LABEL = PlaceLabel(approx=True, mkr="мкр. Аксай-4", streets=("ул. Момышулы", "пр. Абая"))

    @pytest.mark.parametrize(
        ("lang", "district", "expected"),
        [
            (
                "ru",
                "Ауэзовский район",
                "≈ мкр. Аксай-4 · ул. Момышулы / пр. Абая · Ауэзовский район",
            ),
            ("kk", "Әуезов ауданы", "≈ Аксай-4 ш/а · Момышулы көш. / Абая даң. · Әуезов ауданы"),
            ("en", "Auezov", "≈ mkr. Аксай-4 · st. Момышулы / ave. Абая · Auezov"),
        ],
    )
    def test_generic_words_and_district_in_the_language(
        self, lang: str, district: str, expected: str
    ) -> None:
        assert self.LABEL.compose(lang, district) == expected

    def test_stop_and_numbered_micro_district(self) -> None:
        label = PlaceLabel(approx=True, mkr="10-й микрорайон", stop="Крематорий")
        assert label.compose("ru", None) == "≈ 10-й микрорайон · у ост. «Крематорий»"
        assert label.compose("kk", None) == "≈ 10-шы ш/а · «Крематорий» аялдамасы маңы"
        assert label.compose("en", None) == "≈ mkr. 10 · near the «Крематорий» stop"
        assert localise_place("5-й микрорайон", "kk") == "5-ші ш/а"
        assert localise_place("Абай даңғылы", "en") == "Абай даңғылы"  # mapped in Kazakh

    def test_osm_names_are_told_from_the_words_around_them(self) -> None:
        name = self.LABEL.compose("en", "Auezov")
        spans = osm_spans(name, district="Auezov")
        assert "".join(text for text, _ in spans) == name
        assert [text for text, osm in spans if osm] == ["Аксай-4", "Момышулы", "Абая"]
        code = osm_spans("Әуезов ауданы · 8820e618bbfffff", district="Әуезов ауданы")
        assert not any(osm for _, osm in code)
