"""The appeal PDF read back (pdfplumber): addressed to the body, the applicant printed, the
yard's place, the findings with their remedies, dates and deadlines, the approved photo only,
the legal closing and how to file it, in ru, kk and en; no text overlapping; nothing a
stranger may not read; the applicant's data stored, cached and logged nowhere."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import SQLModel

from app.platform.config import Settings
from app.platform.db import Database
from tests.reports.appeal_support import (
    BODY_NAME,
    EOTINISH_CATEGORY,
    SECRET_NOTE,
    SECRET_REFERENCE,
    TYPED_ADDRESS,
    AppealYard,
    appeal_yard,  # noqa: F401 (a fixture)
)
from tests.reports.conftest import embedded_fonts, read_pdf
from tests.reports.layout import layout_defects

NAME = "Жұмабекова Әйгерім Қайратқызы"
IIN = "900101300017"  # a valid ИИН (check digit 7)
HOME = "мкр. Шаңырақ-2, ул. Жанкожа батыра 14"
PHONE = "+7 701 234 56 78"
EMAIL = "aigerim.appeal@example.kz"
APPLICANT = {"name": NAME, "iin": IIN, "address": HOME, "phone": PHONE, "email": EMAIL}

TITLE = {"ru": "ОБРАЩЕНИЕ", "kk": "ӨТІНІШ", "en": "APPEAL"}
LIGHTING = {
    "ru": "Освещён ли двор ночью?",
    "kk": "Түнде аулада жарық бар ма?",
    "en": "Is the yard lit at night?",
}
BASEMENTS = {
    "ru": "Закрыты ли на замок двери в подвалы?",
    "kk": "Жертөле есіктері құлыпталған ба?",
    "en": "Are the basement doors locked?",
}
CLOSING = {
    "ru": "Административным процедурно-процессуальным кодексом Республики Казахстан",
    "kk": "Қазақстан Республикасының Әкімшілік рәсімдік-процестік кодексінде",
    "en": "Administrative Procedural Code of the Republic of Kazakhstan",
}
REMEDY_START = {
    "ru": "Что сделать по чек-листу: Сообщить о неработающем освещении",
    "kk": "Тексеру парағы бойынша не істеу керек: Жарықтың жоқтығы туралы",
    "en": "What the checklist says to do:",
}
YARD_WORD = {"ru": "Двор № {id}", "kk": "№ {id} аула", "en": "Yard no. {id}"}
NAMES = ("eOtinish", "eGov", "iKomek")
IIN_LABEL = {"ru": "ИИН/БИН: ", "kk": "ЖСН/БСН: ", "en": "ИИН/БИН: "}


def post_appeal(client: TestClient, yard: AppealYard, lang: str, **fields: str) -> bytes:
    data = {"body_id": yard.body_id, "lang": lang, **APPLICANT, **fields}
    response = client.post(f"/yards/{yard.yard_id}/appeal.pdf?lang={lang}", data=data)
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    return response.content


def plumbed_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    text = text.replace("-\n", "-")  # a word broken at its hyphen
    return " ".join(text.split())


@pytest.fixture(scope="module")
def appeals(anonymous: TestClient, appeal_yard: AppealYard) -> dict[str, bytes]:  # noqa: F811
    return {lang: post_appeal(anonymous, appeal_yard, lang) for lang in ("ru", "kk", "en")}


class TestContent:
    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_reads_back_in_the_language(
        self,
        lang: str,
        appeals: dict[str, bytes],
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        text = plumbed_text(appeals[lang])
        assert TITLE[lang] in text
        assert BODY_NAME[lang] in text
        # The applicant, as typed.
        for value in (NAME, HOME, PHONE, EMAIL):
            assert value in text, (value, text[:600])
        assert IIN_LABEL[lang] + IIN in text
        # The yard by its public name and place, never the address its first sender typed.
        assert YARD_WORD[lang].format(id=appeal_yard.yard_id) in text
        assert TYPED_ADDRESS not in text
        assert "2gis.kz/almaty?m=" in text and "openstreetmap.org" in text
        # Both confirmed findings with what the checklist says to do.
        assert LIGHTING[lang] in text and BASEMENTS[lang] in text
        assert REMEDY_START[lang] in text
        assert CLOSING[lang] in text
        assert "eotinish.kz" in text and "iKomek" in text and "109" in text
        assert EOTINISH_CATEGORY in text
        assert f"/yards/{appeal_yard.yard_id}" in text

    def test_kazakh_letters_and_embedded_fonts(self, appeals: dict[str, bytes]) -> None:
        text = plumbed_text(appeals["kk"])
        assert set("әғқңөұүі") <= set(text)
        assert "Өтінішті қалай беруге болады" in text
        fonts = embedded_fonts(read_pdf(appeals["kk"]).reader)
        assert fonts and all(fonts.values()) and any("DejaVu" in f for f in fonts), fonts

    def test_deadlines(self, appeals: dict[str, bytes]) -> None:
        text = plumbed_text(appeals["en"])
        # Each finding asks for a date: its own deadline, or the body's days from today.
        assert text.count("I ask you to remove it by") == 1
        assert "passed on" in text and "without delay" in text
        ru = plumbed_text(appeals["ru"])
        assert "истёк: прошу устранить недостаток безотлагательно" in ru
        assert "г.." not in ru  # a date ends its sentence once

    def test_only_the_approved_photo(self, appeals: dict[str, bytes]) -> None:
        # The lighting's photo is approved, the basements' pending: one picture drawn, under
        # the lighting (the first finding) and above the basements (the second).
        with pdfplumber.open(io.BytesIO(appeals["en"])) as document:
            drawn = [(n, image) for n, page in enumerate(document.pages) for image in page.images]
            assert len(drawn) == 1
            number, image = drawn[0]
            page = document.pages[number]
            lighting = page.search(LIGHTING["en"])
            basements = page.search(BASEMENTS["en"])
            assert lighting and basements
            assert lighting[0]["bottom"] < image["top"] < basements[0]["top"]

    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_no_text_overlaps(self, lang: str, appeals: dict[str, bytes]) -> None:
        defects = [
            d
            for d in layout_defects(appeals[lang])
            # Names written so on purpose (the checker knows the report's own).
            if not (d.kind == "run together" and d.text.strip(",.;:()").startswith(NAMES))
        ]
        assert not defects, "\n".join(str(d) for d in defects[:40])


class TestNothingNonPublic:
    def test_no_reference_note_submission_or_typed_address(
        self,
        appeals: dict[str, bytes],
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        for pdf in appeals.values():
            text = plumbed_text(pdf)
            for secret in (
                SECRET_REFERENCE,
                SECRET_NOTE,
                TYPED_ADDRESS,
                appeal_yard.submission_id,
                appeal_yard.other_body_id,
                "Тест akimat_housing",  # the other body's name (an unconfirmed finding only)
            ):
                assert secret not in text, secret
            assert b"photos/" not in pdf

    def test_staff_get_the_same_appeal(
        self,
        admin: TestClient,
        district_inspector: TestClient,
        appeals: dict[str, bytes],
        appeal_yard: AppealYard,  # noqa: F811
    ) -> None:
        for reader in (admin, district_inspector):
            assert plumbed_text(post_appeal(reader, appeal_yard, "ru")) == plumbed_text(
                appeals["ru"]
            )


def _everything_stored(db: Database) -> str:
    found = []
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                found.append(repr(tuple(row)))
    return "\n".join(found)


class TestPersonalDataIsNotKept:
    def test_not_in_the_database_the_cache_or_the_logs(
        self,
        anonymous: TestClient,
        appeal_yard: AppealYard,  # noqa: F811
        db: Database,
        settings: Settings,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        marker_name, marker_iin = "Сақтамаңыз Тестұлы", "850203400115"
        files_before = sorted(p for p in Path(settings.data_dir).rglob("*") if p.is_file())
        caplog.set_level(logging.DEBUG)
        pdf = post_appeal(
            anonymous,
            appeal_yard,
            "kk",
            name=marker_name,
            iin=marker_iin,
            email="never.stored@example.kz",
        )
        assert marker_name in plumbed_text(pdf)
        stored = _everything_stored(db)
        for value in (marker_name, marker_iin, "never.stored@example.kz", HOME, PHONE):
            assert value not in stored, value
            assert value not in caplog.text, value
            for record in caplog.records:
                assert value not in repr(record.__dict__), value
        # Nothing was written to the data directory: the other reports' PDF cache included.
        files_after = sorted(p for p in Path(settings.data_dir).rglob("*") if p.is_file())
        assert [p for p in files_after if p not in files_before] == []
        assert all(p.read_bytes() != pdf for p in files_after)
