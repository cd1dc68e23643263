"""A conversation across a restart, with a photo, a deep link, a double tap, a place outside
the city, an expiry and a flood."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select, update

from app.channels.telegram.questions import resident_items
from app.chats.models import ChatConversation
from app.checklists.loader import ChecklistRegistry
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.factories import new_location
from tests.telegram.botapi_server import BotApiServer
from tests.telegram.conftest import Resident, make_client
from tests.telegram.test_conversation import answer_all, conversation_of, submissions_with


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 30, 200)).save(out, "JPEG")
    return out.getvalue()


class TestRestart:
    def test_a_new_service_instance_continues_the_conversation(
        self,
        bot_settings: Settings,
        botapi: BotApiServer,
        db: Database,
        registry: ChecklistRegistry,
    ) -> None:
        total = len(resident_items(registry.current))
        with make_client(bot_settings) as first:
            resident = Resident(first, botapi)
            resident.text("/start")
            resident.tap("l:kk")
            where = new_location("medeu")
            resident.location(where["lat"], where["lon"])
            resident.tap("y:new")
            answer_all(resident, total, until=7)
            question = resident.keyboard()
        # The service restarts: a new app, new engines, nothing in memory.
        with make_client(bot_settings) as second:
            resident.client = second
            assert question.params["text"].startswith(f"<b>8 / {total}</b>")
            answer_all(resident, total, start=7)
            resident.tap("f")
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None and conversation.step == "done"
        assert conversation.checklist_version == registry.current.version
        assert submissions_with(db, conversation.submission_id) == 1

    def test_start_after_a_restart_shows_the_question_where_it_stopped(
        self, resident: Resident, registry: ChecklistRegistry, yard_id: int
    ) -> None:
        total = len(resident_items(registry.current))
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("Қазақша")
        answer_all(resident, total, until=3)
        resident.text("/start")
        assert resident.texts()[-1].startswith(f"<b>4 / {total}</b>")


class TestDoubleTapOnSend:
    def test_two_taps_store_one_submission(
        self, resident: Resident, db: Database, registry: ChecklistRegistry, yard_id: int
    ) -> None:
        total = len(resident_items(registry.current))
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("Русский")
        answer_all(resident, total)
        send = resident.keyboard()
        resident.tap("f", message_id=int(send.result["message_id"]))
        results = [t for t in resident.texts() if "Индекс риска" in t]
        resident.tap("f", message_id=int(send.result["message_id"]))
        assert [t for t in resident.texts() if "Индекс риска" in t] == results
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None
        assert submissions_with(db, conversation.submission_id) == 1
        assert resident.server.of("answerCallbackQuery")[-1]["text"] == "Уже отправлено."


class TestPhoto:
    def test_a_photo_follows_the_checklist_through_the_intakes_photo_path(
        self,
        resident: Resident,
        botapi: BotApiServer,
        db: Database,
        registry: ChecklistRegistry,
        yard_id: int,
    ) -> None:
        total = len(resident_items(registry.current))
        botapi.files["photo-lamp-1"] = jpeg()
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("Русский")
        answer_all(resident, total, until=2)
        resident.photo("photo-lamp-1")
        assert "№ 3" in resident.texts()[-1]
        answer_all(resident, total, start=2)
        resident.tap("f")
        assert "Фото сохранено: 1" in resident.texts()[-1]
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None
        item_id = resident_items(registry.current)[2][1].id
        with db.session() as session:
            photos = (
                session.exec(select(Photo).where(Photo.submission_id == conversation.submission_id))
                .scalars()
                .all()
            )  # type: ignore[call-overload]
        assert [p.item_id for p in photos] == [item_id]
        assert botapi.of("getFile")[-1]["file_id"] == "photo-lamp-1"


class TestPlaces:
    def test_a_location_outside_the_city_gets_a_clear_reply(
        self, resident: Resident, db: Database
    ) -> None:
        resident.text("/start")
        resident.tap("l:ru")
        resident.location(51.17, 71.43)  # Astana
        assert "за пределами Алматы" in resident.texts()[-1]
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None and conversation.step == "location"
        assert conversation.latitude is None

    def test_nearby_known_yards_are_offered(
        self, resident: Resident, db: Database, yard_id: int
    ) -> None:
        from app.yards.models import Yard

        with db.session() as session:
            yard = session.get(Yard, yard_id)
            assert yard is not None
            lat, lon = yard.lat, yard.lon
        resident.text("/start")
        resident.tap("l:en")
        resident.location(lat + 0.0001, lon)
        assert (f"Yard no. {yard_id} · 11 m", f"y:{yard_id}") in resident.buttons()
        resident.tap("y:999999")  # not offered: ignored
        resident.tap(f"y:{yard_id}")
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None and conversation.yard_id == yard_id


class TestExpiry:
    def test_an_old_conversation_is_forgotten(
        self, resident: Resident, db: Database, yard_id: int
    ) -> None:
        resident.text(f"/start yard_{yard_id}")
        resident.tap_label("English")
        resident.tap("a:0:0")
        conversation = conversation_of(db, resident.chat_id)
        assert conversation is not None
        with db.write_session() as session:
            session.execute(
                update(ChatConversation)
                .where(ChatConversation.id == conversation.id)
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
        resident.tap("a:1:0")
        assert "forgotten after 48 hours" in resident.texts()[-1]
        assert conversation_of(db, resident.chat_id) is None


class TestRateLimit:
    def test_a_flood_is_cut_with_one_warning(
        self, bot_settings: Settings, botapi: BotApiServer, db: Database
    ) -> None:
        with make_client(
            bot_settings.model_copy(update={"telegram_rate_limit_per_minute": 3})
        ) as client:
            resident = Resident(client, botapi)
            resident.text("/start")
            resident.tap("l:ru")
            for _ in range(6):
                resident.text("/start")
        texts = resident.texts()
        assert (
            texts.count("Слишком много сообщений подряд. Подождите минуту и попробуйте снова.") == 1
        )
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(ChatConversation)) is not None
