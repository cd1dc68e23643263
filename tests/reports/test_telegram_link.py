"""The yard report's QR code opens the web checklist, and with a bot a second one opens the
bot at that yard (https://t.me/<bot>?start=yard_<id>), its link printed under the summary."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from app.channels.reports.render import html_to_pdf, yard_html
from app.channels.reports.yard import yard_report
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from app.yards.models import Yard
from tests.reports.conftest import ReportYard
from tests.reports.layout import layout_defects

BOT = "safeyard_almaty_bot"


def report_pdf(
    db: Database, registry: ChecklistRegistry, settings: Settings, yard_id: int, lang: str
) -> bytes:
    with db.session() as session:
        yard = session.get(Yard, yard_id)
        assert yard is not None
        report = yard_report(
            session,
            yard=yard,
            registry=registry,
            settings=settings,
            lang=lang,  # type: ignore[arg-type]
        )
    return html_to_pdf(yard_html(report))


def text_of(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


class TestTelegramLink:
    @pytest.mark.parametrize("lang", ["ru", "kk"])
    def test_with_a_bot_the_report_carries_its_link(
        self,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        report_yard: ReportYard,
        lang: str,
    ) -> None:
        with_bot = settings.model_copy(update={"telegram_bot_username": BOT})
        pdf = report_pdf(db, registry, with_bot, report_yard.yard_id, lang)
        text = text_of(pdf)
        assert f"https://t.me/{BOT}?start=yard_{report_yard.yard_id}" in text
        assert {"ru": "в Telegram", "kk": "Telegram-да"}[lang] in text
        assert [str(d) for d in layout_defects(pdf) if d.page == 1] == []

    def test_without_a_bot_there_is_no_link(
        self,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        report_yard: ReportYard,
    ) -> None:
        without = settings.model_copy(update={"telegram_bot_username": None})
        text = text_of(report_pdf(db, registry, without, report_yard.yard_id, "ru"))
        assert "t.me/" not in text and "Telegram" not in text
