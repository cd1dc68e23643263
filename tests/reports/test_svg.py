"""The hand-drawn SVG: well-formed, scaled to the data, labels escaped, band colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.channels.reports import svg
from app.channels.web import colours

NS = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


class TestBar:
    def test_length_and_colour_follow_the_value(self) -> None:
        rects = parse(svg.bar(50.0, width=100.0)).findall(f"{NS}rect")
        assert rects[1].get("width") == "50" and rects[1].get("fill") == svg.BAND_COLOURS["high"]
        assert len(parse(svg.bar(None)).findall(f"{NS}rect")) == 1  # no value: the track only

    def test_the_band_limits_are_one_path(self) -> None:
        (grid,) = parse(svg.bar(50.0, width=100.0, height=4.0)).findall(f"{NS}path")
        assert grid.get("d") == "M25 0V4M50 0V4M75 0V4"


class TestTrend:
    def test_gaps_where_a_month_has_no_data(self) -> None:
        points = [svg.Point(v) for v in (10.0, 20.0, None, 80.0, 90.0, None)]
        root = parse(svg.trend_chart(points, width=60.0, height=30.0, label="a <b> & c"))
        assert root.get("aria-label") == "a <b> & c"
        lines = root.findall(f"{NS}polyline")
        assert len(lines) == 2  # 10-20 and 80-90; the lone points need no line
        circles = root.findall(f"{NS}circle")
        assert [c.get("cx") for c in circles] == ["5", "15", "35", "45"]
        assert circles[0].get("cy") == "27" and circles[3].get("cy") == "3"
        assert circles[3].get("fill") == svg.BAND_COLOURS["critical"]
        (grid,) = root.findall(f"{NS}path")  # the band limits 0, 25, 50, 75, 100: one path
        assert grid.get("d") == "M0 30H60M0 22.5H60M0 15H60M0 7.5H60M0 0H60"


class TestAreaMap:
    def test_fits_the_areas_and_outlines_the_highlighted_one(self) -> None:
        square = {
            "type": "Polygon",
            "coordinates": [[[76.9, 43.2], [77.0, 43.2], [77.0, 43.3], [76.9, 43.3], [76.9, 43.2]]],
        }
        other = {
            "type": "MultiPolygon",
            "coordinates": [[[[77.0, 43.2], [77.1, 43.2], [77.1, 43.3], [77.0, 43.2]]]],
        }
        root = parse(
            svg.area_map(
                [
                    svg.MapArea("a", square, 60.0, highlight=True, number=7),
                    svg.MapArea("b", other, None),
                ],
                width=100.0,
                max_height=100.0,
            )
        )
        paths = root.findall(f"{NS}path")
        assert len(paths) == 2
        assert paths[-1].get("stroke") == "#000"  # the highlighted area is drawn last, on top
        # The map's colour scale is the inspectors' map's (app/channels/web/colours.py).
        assert paths[-1].get("fill") == colours.risk_colour(60.0) == colours.COLOURS[4]
        assert paths[0].get("fill") == colours.NO_DATA
        assert float(root.get("viewBox", "").split()[2]) == 100.0
        # The numbered area carries its number at its centre; the other none.
        (label,) = root.findall(f"{NS}text")
        assert label.text == "7"
        (disc,) = root.findall(f"{NS}circle")
        x, y = float(disc.get("cx", "")), float(disc.get("cy", ""))
        assert 2 < x < 2 + 96 / 2 and 2 < y < 98  # inside the left square, not the triangle

    def test_no_areas_draws_an_empty_map(self) -> None:
        assert parse(svg.area_map([])).findall(f"{NS}path") == []
