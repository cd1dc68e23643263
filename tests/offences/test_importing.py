"""Reading and checking offence files (app/offences/importing.py, validation.py, articles.py):
no database."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.offences.articles import normalize_article
from app.offences.importing import read_offences
from app.offences.schemas import OffencesInvalid
from app.offences.validation import almaty_date
from app.platform.translations import current_lang
from tests.offences.files import AKSAY, KOK_TOBE, MEGA, Row, csv_text, epoch_ms, esri_page, geojson

pytestmark = pytest.mark.usefixtures("english")
TODAY = date(2025, 6, 30)
ROWS = [
    Row(1, date(2025, 1, 10), "188 ч.2", KOK_TOBE),
    Row(2, date(2024, 2, 29), "ст.190", MEGA, hard_code=1, discontinued="да"),
    Row(3, date(2024, 3, 1), "188-1", AKSAY, hard_code="4", discontinued=True),
]


def read(data: object, **kwargs: object) -> object:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return read_offences(text.encode(), file_name="f", today=TODAY, **kwargs)  # type: ignore[arg-type]


def problems(data: object) -> list[tuple[int, str]]:
    with pytest.raises(OffencesInvalid) as caught:
        read(data)
    return [(p.index, p.field) for p in caught.value.problems]


class TestNormalizeArticle:
    @pytest.mark.parametrize(
        ("value", "article"),
        [
            ("188", "188"),
            ("188 ч.2", "188"),
            ("ст.190", "190"),
            ("Ст. 188-1 ч.3 п.1", "188-1"),
            ("статья 106", "106"),
            ("188–1", "188-1"),
            ("бап 293", "293"),
            (188, "188"),
            (190.0, "190"),
            ("052", "52"),
            ("кража", None),
            ("", None),
            ("1880002", None),
            (0, None),
            (True, None),
        ],
    )
    def test_article(self, value: object, article: str | None) -> None:
        assert normalize_article(value) == article


class TestAlmatyDate:
    def test_local_midnight_is_that_day_before_and_after_the_zone_change(self) -> None:
        # 2024-02-29 00:00 at UTC+6 is 2024-02-28 18:00 UTC: still the 29th in Almaty.
        assert epoch_ms(date(2024, 2, 29)) == 1709143200000
        assert almaty_date(1709143200000) == date(2024, 2, 29)
        assert almaty_date(epoch_ms(date(2024, 3, 1))) == date(2024, 3, 1)


class TestFormats:
    @pytest.mark.parametrize("wkid", [4326, 102100])
    def test_esri_json_page(self, wkid: int) -> None:
        read_file = read(esri_page(ROWS, wkid=wkid))
        assert read_file.file_format == "esri-json"
        first, second, third = read_file.records
        assert (first.source_id, first.occurred_on, first.article) == (
            "1",
            date(2025, 1, 10),
            "188",
        )
        assert (first.severity, first.discontinued, first.crime_code) == (2, False, "1880001")
        assert (first.time_period, first.weekday) == ("с 18 до 24", "пятница")
        assert (second.article, second.severity, second.discontinued) == ("190", 1, True)
        assert (third.article, third.severity, third.discontinued) == ("188-1", 4, True)
        # Web Mercator comes back to the same point, to well under a metre.
        assert first.lat == pytest.approx(KOK_TOBE[0], abs=1e-6)
        assert first.lon == pytest.approx(KOK_TOBE[1], abs=1e-6)
        assert (read_file.date_from, read_file.date_to) == (date(2024, 2, 29), date(2025, 1, 10))
        assert read_file.warnings == ()

    def test_pages_in_one_array_number_records_across_pages(self) -> None:
        pages = [esri_page(ROWS[:2], more=True), esri_page(ROWS[2:], wkid=102100)]
        assert [r.source_id for r in read(pages).records] == ["1", "2", "3"]
        bad = [esri_page(ROWS[:2]), esri_page([ROWS[2].but(stat="кража")])]
        assert problems(bad) == [(3, "stat")]

    def test_a_page_with_more_to_come_warns(self) -> None:
        read_file = read(esri_page(ROWS, more=True))
        assert len(read_file.warnings) == 1 and "resultOffset" in read_file.warnings[0]

    def test_field_names_in_any_case(self) -> None:
        assert read(esri_page(ROWS, upper=True)).records == read(esri_page(ROWS)).records

    def test_geojson(self) -> None:
        read_file = read(geojson(ROWS))
        assert read_file.file_format == "geojson"
        assert read_file.records == read(esri_page(ROWS)).records

    @pytest.mark.parametrize("delimiter", [";", ","])
    def test_csv_with_russian_dates(self, delimiter: str) -> None:
        read_file = read(csv_text(ROWS, delimiter=delimiter))
        assert read_file.file_format == "csv"
        assert [(r.occurred_on, r.article, r.lat, r.lon) for r in read_file.records] == [
            (row.day, normalize_article(row.stat), *row.point) for row in ROWS
        ]

    def test_csv_in_windows_1251(self) -> None:
        data = csv_text(ROWS).encode("cp1251")
        records = read_offences(data, file_name="f.csv", today=TODAY).records
        assert [r.discontinued for r in records] == [False, True, True]

    def test_csv_without_ids_and_with_x_y_in_web_mercator(self) -> None:
        # Kok-Tobe (43.2322, 76.9758) in Web Mercator metres, with decimal commas.
        text = "X;Y;DAT_SOVER;STAT\n8568906,86;5347382,10;2025-01-10;188\n"
        (record,) = read(text).records
        assert record.source_id is None
        assert (record.lat, record.lon) == pytest.approx(KOK_TOBE, abs=1e-6)

    def test_sha256_is_of_the_bytes(self) -> None:
        import hashlib

        data = json.dumps(esri_page(ROWS)).encode()
        got = read_offences(data, file_name="f", today=TODAY).file_sha256
        assert got == hashlib.sha256(data).hexdigest()


class TestProblems:
    def test_every_problem_by_record_and_field(self) -> None:
        rows = [
            ROWS[0],
            ROWS[1].but(day=date(2025, 7, 1)),  # after TODAY
            ROWS[2].but(stat=""),
            ROWS[0].but(objectid=4, hard_code=5),
            ROWS[0].but(objectid=5, hard_code="тяжкое"),
            ROWS[0].but(objectid=6, discontinued="может быть"),
            ROWS[0].but(objectid=7, stat="хулиганство"),
        ]
        assert problems(esri_page(rows)) == [
            (2, "dat_sover"),
            (3, "stat"),
            (4, "hard_code"),
            (5, "hard_code"),
            (6, "discontinued"),
            (7, "stat"),
        ]

    def test_messages_name_the_record_and_say_what_to_do(self) -> None:
        with pytest.raises(OffencesInvalid) as caught:
            read(esri_page([ROWS[0].but(day=date(2025, 7, 1), hard_code=9)]))
        described = [p.describe() for p in caught.value.problems]
        assert described == [
            "Offence no. 1 (id “1”), field “dat_sover”: 2025-07-01 is in the future (today "
            "is 2025-06-30 in Almaty).",
            "Offence no. 1 (id “1”), field “hard_code”: “9” is not a severity: 1 minor, "
            "2 medium, 3 grave, 4 especially grave.",
        ]

    def test_messages_in_russian(self) -> None:
        token = current_lang.set("ru")
        try:
            with pytest.raises(OffencesInvalid) as caught:
                read(esri_page([ROWS[0].but(stat="")]))
            described = caught.value.problems[0].describe()
        finally:
            current_lang.reset(token)
        assert described == (
            "Правонарушение № 1 (id «1»), поле «stat»: не указана статья Уголовного кодекса; "
            "у каждого правонарушения она есть."
        )

    @pytest.mark.parametrize(
        ("attributes", "field"),
        [
            ({"dat_sover": "31.02.2025", "stat": "188"}, "dat_sover"),
            ({"dat_sover": "вчера", "stat": "188"}, "dat_sover"),
            ({"dat_sover": 0, "stat": "188"}, "dat_sover"),  # 1970: an empty date
            ({"dat_sover": None, "stat": "188"}, "dat_sover"),
            ({"dat_sover": "2025-01-10"}, "stat"),
        ],
    )
    def test_bad_fields(self, attributes: dict[str, object], field: str) -> None:
        page = {
            "spatialReference": {"wkid": 4326},
            "features": [{"attributes": attributes, "geometry": {"x": 76.9, "y": 43.2}}],
        }
        assert problems(page) == [(1, field)]

    @pytest.mark.parametrize(
        ("geometry", "fields"),
        [
            ({"x": "семьдесят", "y": 43.2}, ["x"]),
            ({"x": "NaN", "y": "abc"}, ["x", "y"]),
            ({}, ["geometry"]),
            ({"x": 43.2, "y": 176.9}, ["geometry"]),  # swapped: latitude 176.9
        ],
    )
    def test_bad_coordinates(self, geometry: dict[str, object], fields: list[str]) -> None:
        page = {
            "spatialReference": {"wkid": 4326},
            "features": [
                {"attributes": {"dat_sover": "2025-01-10", "stat": "188"}, "geometry": geometry}
            ],
        }
        assert problems(page) == [(1, f) for f in fields]

    def test_one_id_two_offences(self) -> None:
        rows = [ROWS[0], ROWS[1].but(objectid=1), ROWS[0]]
        # The third repeats the first exactly (overlapping pages): not a problem.
        assert problems(esri_page(rows)) == [(2, "id")]

    @pytest.mark.parametrize(
        ("data", "words"),
        [
            ('{"error": {"code": 400, "message": "Invalid query"}}', "ArcGIS error answer"),
            ("{not json", "not valid JSON"),
            ('{"features": []}', "no offences"),
            ('{"spatialReference": {"wkid": 32643}, "features": [{}]}', "32643"),
            ("a;b\n1;2\n", "lacks the columns: dat_sover, stat, lat, lon"),
            ('{"type": "FeatureCollection"}', "“features” list"),
            ("[1, 2]", "“features” list"),
        ],
    )
    def test_file_problems(self, data: str, words: str) -> None:
        with pytest.raises(OffencesInvalid) as caught:
            read(data)
        (problem,) = caught.value.problems
        assert problem.index == 0 and words in problem.describe()
