"""Whole checklist conversations through the webhook, in Russian and Kazakh."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.channels.telegram.questions import resident_items
from app.chats.models import Chat, ChatConversation
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from app.submissions.models import Submission
from tests.factories import new_location
from tests.telegram.conftest import Resident


def submissions_with(db: Database, submission_id: uuid.UUID) -> int:
    with db.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Submission).where(Submission.id == submission_id)
            )
            or 0
        )


def conversation_of(db: Database, chat_id: int) -> ChatConversation | None:
    with db.session() as session:
        chat = session.exec(select(Chat).where(Chat.telegram_id == chat_id)).scalar_one_or_none()  # type: ignore[call-overload]
        if chat is None:
            return None
        return session.exec(  # type: ignore[call-overload]
            select(ChatConversation).where(ChatConversation.chat_id == chat.id)
        ).scalar_one_or_none()


def answer_all(resident: Resident, total: int, *, start: int = 0, until: int | None = None) -> None:
    """Answer each question with its last option (the worst), checking the progress line."""
    for position in range(start, total if until is None else until):
        call = resident.keyboard()
        assert call.params["text"].startswith(f"<b>{position + 1} / {total}</b>"), call.params[
            "text"
        ]
        answers = [
            d
            for _, d in resident.buttons()
            if d.startswith(f"a:{position}:") and not d.endswith(":n")
        ]
        resident.tap(answers[-1])


class TestWholeConversation:
    def test_russian_from_start_to_result(
        self, resident: Resident, db: Database, registry: ChecklistRegistry
    ) -> None:
        total = len(resident_items(registry.current))
        assert resident.text("/start").status_code == 200
        assert "Выберите язык" in resident.texts()[-1]
        resident.tap("l:ru")
        assert "местоположение" in resident.texts()[-1]
        where = new_location("medeu")
        resident.location(where["lat"], where["lon"])
        assert any(label.startswith("➕") for label, _ in resident.buttons())
        resident.tap("y:new")
        answer_all(resident, total)
        assert f"{total}" in resident.keyboard().params["text"]
        resident.tap("f")
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None and conversation.step == "done"
        result = resident.texts()[-1]
        assert "Индекс риска" in result
        assert f"/result/{conversation.submission_id}?lang=ru" in result
        assert f"/result/{conversation.submission_id}/report.pdf" in result
        assert result.startswith("<b>")
        assert submissions_with(db, conversation.submission_id) == 1
        with db.session() as session:
            stored = session.get(Submission, conversation.submission_id)
            assert stored is not None and len(stored.answers) == total

    def test_kazakh_with_back_skip_and_why(
        self, resident: Resident, db: Database, registry: ChecklistRegistry
    ) -> None:
        total = len(resident_items(registry.current))
        resident.text("/start")
        resident.tap("l:kk")
        where = new_location("medeu")
        resident.location(where["lat"], where["lon"])
        resident.tap("y:new")
        resident.tap("w:0")
        why = resident.texts()[-1]
        assert registry.current.checklist.sections[0].items[0].why.kk[:20] in why
        resident.tap("s:0")  # skip the first
        assert resident.keyboard().params["text"].startswith(f"<b>2 / {total}</b>")
        resident.tap("b:1")  # and back to it
        assert resident.keyboard().params["text"].startswith(f"<b>1 / {total}</b>")
        answer_all(resident, total)
        resident.tap("f")
        assert "Қауіп индексі" in resident.texts()[-1] or "индекс" in resident.texts()[-1].lower()
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None
        assert submissions_with(db, conversation.submission_id) == 1
