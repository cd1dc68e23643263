"""Reading where the yard is, as people type it (no database)."""

from __future__ import annotations

import pytest

from app.channels.pages.forms import WhereInput, parse_where


class TestParseWhere:
    @pytest.mark.parametrize(
        ("lat", "lon", "expected"),
        [
            ("43.2389", "76.8897", (43.2389, 76.8897)),
            ("43,2389", "76,8897", (43.2389, 76.8897)),
            (" 43.2389° ", "76.8897°", (43.2389, 76.8897)),
            ("43.2389, 76.8897", "", (43.2389, 76.8897)),
            ("43.2389 76.8897", "", (43.2389, 76.8897)),
            ("", "43.2389, 76.8897", (43.2389, 76.8897)),
        ],
    )
    def test_understood(self, lat: str, lon: str, expected: tuple[float, float]) -> None:
        values, where, errors = parse_where(WhereInput(lat=lat, lon=lon))
        assert errors == []
        assert (where.lat, where.lon) == expected
        assert (values.lat, values.lon) == tuple(repr(v) for v in expected)

    @pytest.mark.parametrize(
        ("lat", "lon"), [("abc", "76.9"), ("43.2", ""), ("", "76.9"), ("95", "76.9"), ("1e5", "2")]
    )
    def test_refused_with_a_reason(self, lat: str, lon: str) -> None:
        values, where, errors = parse_where(WhereInput(lat=lat, lon=lon))
        assert len(errors) == 1 and errors[0].target == "location"
        assert where.lat is None and not where.known
        assert values.lat == lat  # shown again as typed

    def test_yard_id_address_and_accuracy(self) -> None:
        raw = WhereInput(yard_id="12", accuracy_m="oops", address="  ул.   Абая  1 ")
        _values, where, errors = parse_where(raw)
        assert errors == [] and where.yard_id == 12 and where.address == "ул. Абая 1"
        assert where.accuracy_m is None
        _values, where, errors = parse_where(WhereInput(yard_id="-3"))
        assert where.yard_id is None and errors

    def test_nothing_given_is_not_an_error_here(self) -> None:
        values, where, errors = parse_where(WhereInput())
        assert errors == [] and not where.known and not values.given
