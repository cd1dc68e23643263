"""Report a problem from the chat: a finding of kind report, followed by the chat."""

from __future__ import annotations

from sqlalchemy import select

from app.chats.models import Chat, ChatSubscription
from app.findings.models import Finding, ProblemReport
from app.platform.db import Database
from tests.factories import new_location
from tests.telegram.conftest import Resident


class TestReportAProblem:
    def test_a_report_becomes_an_unconfirmed_finding_the_chat_follows(
        self, resident: Resident, db: Database
    ) -> None:
        resident.text("/start")
        resident.tap("l:ru")
        resident.text("/report")
        assert "Сообщить о проблеме" in resident.texts()[-1]
        resident.tap("c:lighting")
        resident.text("темно")  # too short
        assert resident.texts()[-1].startswith("Напишите от 10")
        resident.text("Не горит фонарь у второго подъезда уже неделю")
        resident.location(51.17, 71.43)  # Astana: refused, asked again
        assert "за пределами Алматы" in resident.texts()[-1]
        where = new_location("medeu")
        resident.location(where["lat"], where["lon"])
        resident.tap("rp")
        assert resident.texts()[-1].startswith("Спасибо: сообщение №")
        with db.session() as session:
            chat = session.exec(
                select(Chat).where(Chat.telegram_id == resident.chat_id)
            ).scalar_one()  # type: ignore[call-overload]
            subscription = session.exec(
                select(ChatSubscription).where(ChatSubscription.chat_id == chat.id)
            ).scalar_one()  # type: ignore[call-overload]
            report = session.exec(
                select(ProblemReport).where(ProblemReport.finding_id == subscription.finding_id)
            ).scalar_one()  # type: ignore[call-overload]
            finding = session.get(Finding, subscription.finding_id)
        assert report.channel == "telegram" and report.section_id == "lighting"
        assert finding is not None and finding.kind == "report" and not finding.confirmed

    def test_linking_with_a_wrong_code_links_nothing(
        self, resident: Resident, db: Database
    ) -> None:
        resident.text("/start")
        resident.tap("l:en")
        resident.text("/link ABCDEFGHJK")
        assert resident.texts()[-1].startswith("This code is unknown")
        with db.session() as session:
            chat = session.exec(
                select(Chat).where(Chat.telegram_id == resident.chat_id)
            ).scalar_one()  # type: ignore[call-overload]
        assert chat.user_id is None
