"""The webhook's door: the secret, no bot without a token, garbage and redelivered updates."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.chats.models import Chat, ChatConversation, ChatUpdate
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from tests.telegram.botapi_server import BotApiServer
from tests.telegram.conftest import SECRET, Resident, make_client


def count(db: Database, model: type, *where: object) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


class TestSecret:
    @pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
    def test_a_wrong_or_missing_secret_is_403_and_nothing_happens(
        self, resident: Resident, botapi: BotApiServer, secret: str | None
    ) -> None:
        before = len(botapi.calls)
        response = resident.post(resident._message(text="/start"), secret=secret)
        assert response.status_code == 403
        assert len(botapi.calls) == before

    def test_no_token_no_bot(self, settings: Settings) -> None:
        with make_client(settings) as client:
            response = client.post(
                "/telegram/webhook",
                json={"update_id": 1},
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        assert response.status_code == 404

    def test_a_token_without_a_webhook_secret_is_no_webhook(self, bot_settings: Settings) -> None:
        with make_client(
            bot_settings.model_copy(update={"telegram_webhook_secret": None})
        ) as client:
            response = client.post(
                "/telegram/webhook",
                json={"update_id": 1},
                headers={"X-Telegram-Bot-Api-Secret-Token": ""},
            )
        assert response.status_code == 404


class TestGarbage:
    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"\xff\xfe",
            b"[]",
            b"{}",
            b'{"update_id": "1"}',
            b'{"update_id": 5, "message": {"chat": 3}}',
            b'{"update_id": 6, "edited_message": {"message_id": 1, "date": 1, '
            b'"chat": {"id": 1, "type": "private"}}}',
            b'{"update_id": 7, "channel_post": {"message_id": 1, "date": 1, '
            b'"chat": {"id": -100, "type": "channel"}}}',
            b"[" * 5000,
            b'{"update_id": true}',
            b'{"update_id": 8, "message": {"message_id": 1, "date": 1, '
            b'"chat": {"id": 1, "type": "private"}, "location": {"latitude": "43", '
            b'"longitude": 76}}}',
            b'{"update_id": 9, "message": {"message_id": 1, "date": 1, '
            b'"chat": {"id": 1, "type": "private"}, "photo": {"file_id": "x"}}}',
            b'{"update_id": 10, "callback_query": {"id": "1", "data": 5, '
            b'"chat_instance": "1", "from": {"id": 1, "is_bot": false, "first_name": "A"}}}',
        ],
    )
    def test_unusable_updates_are_200_and_store_nothing(
        self, bot_client: TestClient, db: Database, body: bytes
    ) -> None:
        chats, updates = count(db, Chat), count(db, ChatUpdate)
        response = bot_client.post(
            "/telegram/webhook",
            content=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )
        assert response.status_code == 200
        assert (count(db, Chat), count(db, ChatUpdate)) == (chats, updates)

    def test_a_strangers_text_gets_the_language_question_and_nothing_is_stored(
        self, resident: Resident, db: Database
    ) -> None:
        resident.text("hello?")
        assert "Выберите язык" in resident.texts()[-1]
        assert count(db, Chat, Chat.telegram_id == resident.chat_id) == 0

    def test_text_during_the_questions_gets_a_clear_reply(
        self, resident: Resident, db: Database, yard_id: int
    ) -> None:
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("English")
        resident.text("the lamp is broken")
        assert resident.texts()[-1] == "Please answer with the buttons under the question."
        resident.tap("a:0:zzz")  # a forged button: nothing changes
        resident.tap("a:7:0")  # another question's button: nothing changes
        with db.session() as session:
            chat = session.exec(
                select(Chat).where(Chat.telegram_id == resident.chat_id)
            ).scalar_one()  # type: ignore[call-overload]
            conversation = session.exec(
                select(ChatConversation).where(ChatConversation.chat_id == chat.id)
            ).scalar_one()  # type: ignore[call-overload]
            assert conversation.position == 0 and conversation.answers == {}


class TestReplies:
    def test_a_press_is_answered_first_and_its_edit_rides_in_the_webhooks_response(
        self, resident: Resident, botapi: BotApiServer, yard_id: int
    ) -> None:
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("English")
        before = len(botapi.calls)
        response = resident.tap("a:0:0")
        assert response.json()["method"] == "editMessageText"
        made = [call.method for call in botapi.calls[before:]]
        assert made == ["answerCallbackQuery", "editMessageText"]
        assert botapi.calls[-1].params["text"].startswith("<b>2 / ")


class TestRedelivery:
    def test_the_same_update_is_handled_once(
        self, resident: Resident, botapi: BotApiServer, db: Database, yard_id: int
    ) -> None:
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("Русский")
        resident.tap("a:0:0")
        tap = resident.last_update
        before = len(botapi.calls)
        for _ in range(3):
            assert resident.post(tap).status_code == 200
        assert len(botapi.calls) == before  # no reply, nothing moved
        with db.session() as session:
            chat = session.exec(
                select(Chat).where(Chat.telegram_id == resident.chat_id)
            ).scalar_one()  # type: ignore[call-overload]
            conversation = session.exec(
                select(ChatConversation).where(ChatConversation.chat_id == chat.id)
            ).scalar_one()  # type: ignore[call-overload]
            assert conversation.position == 1
        assert count(db, ChatUpdate, ChatUpdate.update_id == tap["update_id"]) == 1
        assert count(db, Submission, Submission.id == uuid.uuid4()) == 0
