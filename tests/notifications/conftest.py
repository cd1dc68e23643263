"""A database of the notifications tests' own (the sender reads the whole outbox, so the
shared test database, where other tests leave messages, would not do) and a real SMTP
server per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database
from tests.databases import empty_database
from tests.notifications.smtp_server import SmtpServer

FROM = "SafeYard <safeyard@akimat-almaty.kz>"


@pytest.fixture(scope="module")
def mail_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mail")
    with empty_database(folder / "mail.db", prefix="safeyard_mail") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def mail_db(mail_db_url: str, registry: ChecklistRegistry) -> Iterator[Database]:
    database = Database(mail_db_url)
    load_reference_data(database, registry=registry)
    yield database
    database.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_settings(mail_db: Database, smtp: SmtpServer, tmp_path: Path) -> Settings:
    return Settings(
        database_url=mail_db.url,
        data_dir=tmp_path,
        smtp_url=smtp.url,
        mail_from=FROM,
        public_base_url="https://safeyard.almaty.kz",
        smtp_timeout_s=5,
        notifications_lease_s=60,
        digest_schedule="off",
    )
