"""The Open311 query (``app.findings.open311_query``) and whatever a client can send to
``/open311/v2``: a 200 or the spec's 400/404, never a 500 (hypothesis over query strings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.findings.open311_query import (
    MAX_PAGE_SIZE,
    WINDOW_DAYS,
    BadQuery,
    Near,
    parse_request_query,
    parse_w3c,
)

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
CODES = {"lighting.at_night", "access.entrance_doors"}


class TestParse:
    def test_defaults_are_the_last_90_days_and_a_page_of_1000(self) -> None:
        query = parse_request_query({}, service_codes=CODES, now=NOW)
        assert (query.start, query.end) == (NOW - timedelta(days=WINDOW_DAYS), NOW)
        assert (query.page, query.page_size) == (1, MAX_PAGE_SIZE)
        assert query.statuses == {"open", "closed"} and query.near is None

    def test_one_date_makes_a_90_day_window_from_it(self) -> None:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        query = parse_request_query(
            {"start_date": ["2026-01-01T00:00:00Z"]}, service_codes=CODES, now=NOW
        )
        assert (query.start, query.end) == (start, start + timedelta(days=90))
        query = parse_request_query(
            {"end_date": ["2026-01-01T05:00:00+05:00"]}, service_codes=CODES, now=NOW
        )
        assert (query.start, query.end) == (start - timedelta(days=90), start)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-01-01T05:00:00+05:00", datetime(2026, 1, 1, tzinfo=UTC)),
            ("2026-01-01T05:00:00 05:00", datetime(2026, 1, 1, tzinfo=UTC)),  # a lost "+"
            ("2026-01-01T00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
            ("2026-01-01", datetime(2025, 12, 31, 19, tzinfo=UTC)),  # midnight in Almaty
        ],
    )
    def test_w3c_forms(self, text: str, expected: datetime) -> None:
        assert parse_w3c("start_date", text) == expected

    def test_ids_override_the_other_filters(self) -> None:
        query = parse_request_query(
            {"service_request_id": ["3,1", "3"], "status": ["nonsense"]},
            service_codes=CODES,
            now=NOW,
        )
        assert query.ids == (3, 1) and query.start is None

    def test_ids_no_row_can_have_match_nothing(self) -> None:
        assert (
            parse_request_query(
                {"service_request_id": ["99999999999"]}, service_codes=CODES, now=NOW
            ).ids
            == ()
        )

    def test_codes_and_statuses_repeat_or_comma(self) -> None:
        query = parse_request_query(
            {"service_code": ["lighting.at_night", "access.entrance_doors"], "status": ["open"]},
            service_codes=CODES,
            now=NOW,
        )
        assert query.service_codes == ("lighting.at_night", "access.entrance_doors")
        assert query.statuses == {"open"}

    def test_a_point_with_the_default_radius(self) -> None:
        query = parse_request_query(
            {"lat": ["43.25"], "long": ["76.95"]}, service_codes=CODES, now=NOW
        )
        assert query.near == Near(43.25, 76.95, 1000.0)

    def test_a_bad_value_is_named_without_control_characters(self) -> None:
        with pytest.raises(BadQuery) as caught:
            parse_request_query({"status": ["x\x00<y>"]}, service_codes=CODES, now=NOW)
        assert caught.value.status_code == 400
        assert "\x00" not in caught.value.message


NAMES = st.sampled_from(
    [
        "service_request_id",
        "service_code",
        "status",
        "start_date",
        "end_date",
        "lat",
        "long",
        "radius",
        "page",
        "page_size",
        "lang",
        "locale",
        "jurisdiction_id",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "open",
            "closed",
            "lighting.at_night",
            "2026-12-01T00:00:00Z",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "1e400",
            "-0",
            "43.25",
            "76.95",
            "2147483648",
            "9" * 5000,
            "kk",
            "%00",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.lists(st.tuples(NAMES, VALUES), max_size=6),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_no_query_string_is_a_server_error(
    client: TestClient, params: list[tuple[str, str]], fmt: str
) -> None:
    query = "&".join(f"{quote(name)}={quote(value, safe='')}" for name, value in params)
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code in (200, 400), response.text
    if fmt == "json":
        assert isinstance(response.json(), list)
    else:
        assert response.text.startswith("<?xml")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request_id=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"),
        min_size=1,
        max_size=30,
    ),
    fmt=st.sampled_from(["json", "xml", "html", ""]),
)
def test_no_request_id_is_a_server_error(client: TestClient, request_id: str, fmt: str) -> None:
    path = f"/open311/v2/requests/{quote(request_id, safe='')}.{fmt}"
    response = client.get(path)
    assert response.status_code in (200, 404), response.text
