"""Staff in the bot: a linked chat's digest on demand with a button per finding (report a fix,
ask for a re-audit) through the web's actions; nothing for a chat without the link, nothing on
another body's finding, once for a double tap."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts.models import User
from app.bodies.models import BodyKind
from app.chats import service as chats
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding, FindingEvent
from app.platform.config import Settings
from app.platform.db import Database
from tests.findings.cooperative_support import (
    audited_yard,
    cooperative_of,
    create_admin_actor,
    inspector_of,
    set_deadline,
)
from tests.findings_factories import add_member, new_body
from tests.telegram.botapi_server import BotApiServer
from tests.telegram.conftest import Resident

DISTRICT = "bostandyk"


@dataclass(frozen=True)
class Keeper:
    """A cooperative account keeping a yard, member of a body answering for two of its
    findings (both overdue, so its digest names them)."""

    user: User
    yard_id: int
    finding_ids: list[int]


def keeper_of_yard(db: Database, registry: ChecklistRegistry, settings: Settings) -> Keeper:
    from app.findings import actions

    yard = audited_yard(db, registry, settings, district=DISTRICT)
    user = cooperative_of(db, yard.yard_id)
    assert user.id is not None
    mine = yard.finding_ids[:2]
    with db.write_session() as session:
        body = new_body(session, district=DISTRICT, kind=BodyKind.cooperative)
        add_member(session, body_id=body.id, user_id=user.id)
        admin = create_admin_actor(session)
        for finding_id in mine:
            actions.reroute(
                session,
                actor=admin,
                finding_id=finding_id,
                body_id=body.id,
                reason="test: routed to the test body",
                default_deadline_days=30,
            )
    for finding_id in mine:
        set_deadline(db, finding_id, days_from_now=-1)
    return Keeper(user, yard.yard_id, mine)


def linked(resident: Resident, db: Database, user: User, lang: str) -> Resident:
    with db.write_session() as session:
        code = chats.issue_link_code(session, user=user)
    resident.text("/start")
    resident.tap(f"l:{lang}")
    resident.text(f"/link {code.lower()}")
    return resident


def events(db: Database, finding_id: int) -> list[FindingEvent]:
    with db.session() as session:
        return list(
            session.exec(
                select(FindingEvent)
                .where(FindingEvent.finding_id == finding_id)
                .order_by(col(FindingEvent.id))
            ).all()
        )


def state(db: Database, finding_id: int) -> Finding:
    with db.session() as session:
        finding = session.get(Finding, finding_id)
        assert finding is not None
        return finding


def answered(botapi: BotApiServer) -> str | None:
    return botapi.of("answerCallbackQuery")[-1].get("text")


def staff_buttons(resident: Resident, botapi: BotApiServer) -> dict[str, str]:
    """Callback data of every staff button this chat was sent, by their data."""
    found = {}
    for params in botapi.of("sendMessage"):
        if int(params["chat_id"]) != resident.chat_id:
            continue
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if b["callback_data"].startswith("sf:"):
                    found[b["callback_data"]] = b["text"]
    return found


@pytest.fixture
def keeper(db: Database, registry: ChecklistRegistry, settings: Settings) -> Keeper:
    return keeper_of_yard(db, registry, settings)


class TestDigest:
    def test_an_unlinked_chat_gets_no_digest(self, resident: Resident) -> None:
        resident.text("/start")
        resident.tap("l:ru")
        resident.text("/digest")
        assert resident.texts()[-1].startswith("Это для сотрудников SafeYard")

    def test_a_linked_cooperative_gets_its_digest_with_buttons_in_russian(
        self, resident: Resident, botapi: BotApiServer, db: Database, keeper: Keeper
    ) -> None:
        linked(resident, db, keeper.user, "ru")
        assert "/digest" in resident.texts()[-1]
        resident.text("/digest")
        texts = resident.texts()
        assert any(t.startswith("SafeYard: замечания на") for t in texts)
        assert any("Просрочены (2)" in t for t in texts), texts[-4:]
        buttons = staff_buttons(resident, botapi)
        for finding_id in keeper.finding_ids:
            assert any(d.startswith(f"sf:f:{finding_id}:") for d in buttons)
            assert any(d.startswith(f"sf:r:{finding_id}:") for d in buttons)
        assert "✅ Исправлено" in buttons.values()


class TestFixReported:
    def test_a_press_reports_the_fix_once(
        self, resident: Resident, botapi: BotApiServer, db: Database, keeper: Keeper
    ) -> None:
        linked(resident, db, keeper.user, "ru")
        resident.text("/digest")
        finding_id = keeper.finding_ids[0]
        data = next(
            d for d in staff_buttons(resident, botapi) if d.startswith(f"sf:f:{finding_id}:")
        )
        before = len(events(db, finding_id))
        resident.tap(data)
        assert state(db, finding_id).state == "fix_reported"
        after = events(db, finding_id)
        assert len(after) == before + 1
        assert after[-1].action == "report_fix" and after[-1].actor_user_id == keeper.user.id
        assert "Исправление отмечено" in resident.texts()[-1]
        resident.tap(data)  # a double tap
        assert answered(botapi) == "Уже сделано."
        assert len(events(db, finding_id)) == before + 1

    def test_an_unlinked_chat_with_the_same_button_changes_nothing(
        self,
        resident: Resident,
        bot_client: TestClient,
        botapi: BotApiServer,
        db: Database,
        keeper: Keeper,
    ) -> None:
        linked(resident, db, keeper.user, "ru")
        resident.text("/digest")
        finding_id = keeper.finding_ids[0]
        data = next(
            d for d in staff_buttons(resident, botapi) if d.startswith(f"sf:f:{finding_id}:")
        )
        stranger = Resident(bot_client, botapi)
        stranger.text("/start")
        stranger.tap("l:kk")
        before = len(events(db, finding_id))
        stranger.tap(data)
        assert answered(botapi).startswith("Бұл тіркелгісі осы чатқа")  # type: ignore[union-attr]
        assert len(events(db, finding_id)) == before
        assert state(db, finding_id).state != "fix_reported"
        # A chat that never chose a language: refused too.
        silent = Resident(bot_client, botapi)
        silent.text("/start")
        silent.tap(data)
        assert answered(botapi)
        assert len(events(db, finding_id)) == before

    def test_a_cooperative_cannot_act_on_another_bodys_finding(
        self,
        resident: Resident,
        botapi: BotApiServer,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        keeper: Keeper,
    ) -> None:
        other = keeper_of_yard(db, registry, settings)
        linked(resident, db, other.user, "kk")
        resident.text("/digest")
        own = next(d for d in staff_buttons(resident, botapi) if d.startswith("sf:f:"))
        stamp = own.rsplit(":", 1)[1]
        for code in ("f", "r"):
            target = keeper.finding_ids[0]
            before = len(events(db, target))
            resident.tap(f"sf:{code}:{target}:{stamp}")
            assert answered(botapi) == "Бұл ескерту сіздікі емес."
            assert len(events(db, target)) == before
        for forged in ("sf:x:1:1", "sf:f:abc:1", "sf:f:99999999999:1", "sf:f:1"):
            resident.tap(forged)
            assert answered(botapi) == "Бұл түйме енді жұмыс істемейді."


class TestReaudit:
    def test_a_press_asks_for_a_re_audit_once_in_kazakh(
        self, resident: Resident, botapi: BotApiServer, db: Database, keeper: Keeper
    ) -> None:
        linked(resident, db, keeper.user, "kk")
        resident.text("/digest")
        assert any(
            t.startswith("SafeYard: ") and "бойынша ескертулер" in t for t in resident.texts()
        )
        finding_id = keeper.finding_ids[1]
        data = next(
            d for d in staff_buttons(resident, botapi) if d.startswith(f"sf:r:{finding_id}:")
        )
        resident.tap(data)
        assert state(db, finding_id).reaudit_requested_at is not None
        assert events(db, finding_id)[-1].action == "request_reaudit"
        marked = [len(events(db, i)) for i in keeper.finding_ids]
        resident.tap(data)
        assert answered(botapi) == "Жасалып қойған."
        assert [len(events(db, i)) for i in keeper.finding_ids] == marked


class TestInspector:
    def test_an_inspector_reports_a_fix_on_their_districts_finding(
        self,
        resident: Resident,
        botapi: BotApiServer,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        yard = audited_yard(db, registry, settings, district=DISTRICT)
        inspector = inspector_of(db, DISTRICT)
        linked(resident, db, inspector, "kk")
        resident.text("/digest")
        assert any("бойынша ескертулер" in t for t in resident.texts())
        finding_id = yard.finding_ids[-1]
        stamp = int(time.time())
        # Its button may be past the first ten: the same data, made by hand, is re-checked.
        resident.tap(f"sf:r:{finding_id}:{stamp}")
        assert answered(botapi) == "Бұл ескертуге мұны енді жасау мүмкін емес."
        resident.tap(f"sf:f:{finding_id}:{stamp}")
        assert state(db, finding_id).state == "fix_reported"
        assert events(db, finding_id)[-1].actor_user_id == inspector.id
