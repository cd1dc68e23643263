"""safeyard create-user on a scratch SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.accounts.models import User, UserDistrict
from app.channels.cli.main import cli
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import get_settings
from app.platform.db import Database


@pytest.fixture
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'accounts-cli.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    migrate.upgrade(url)
    db = Database(url)
    load_reference_data(db, registry=registry)
    yield db
    db.dispose()
    get_settings.cache_clear()


class TestCreateUser:
    def test_inspector_with_password_from_stdin(self, scratch_db: Database) -> None:
        result = CliRunner().invoke(
            cli,
            [
                "create-user",
                "Insp@Example.KZ",
                "--role",
                "inspector",
                "--district",
                "almaly",
                "--name",
                "Aigerim",
                "--password-stdin",
            ],
            input="a long enough password\n",
        )
        assert result.exit_code == 0, result.output
        assert "created inspector insp@example.kz" in result.output
        with scratch_db.session() as session:
            user = session.exec(select(User).where(User.email == "insp@example.kz")).one()
            links = session.exec(select(UserDistrict).where(UserDistrict.user_id == user.id))
            assert [link.district_id for link in links] == ["almaly"]
        assert user.password_hash.startswith("$argon2")
        assert user.name == "Aigerim"

    def test_password_from_the_prompt(self, scratch_db: Database) -> None:
        result = CliRunner().invoke(
            cli,
            ["create-user", "admin@example.kz", "--role", "admin"],
            input="a long enough password\na long enough password\n",
        )
        assert result.exit_code == 0, result.output

    def test_unknown_district_and_short_password_are_refused(self, scratch_db: Database) -> None:
        unknown = CliRunner().invoke(
            cli,
            [
                "create-user",
                "a@example.kz",
                "--role",
                "inspector",
                "--district",
                "atlantis",
                "--password-stdin",
            ],
            input="a long enough password\n",
        )
        assert unknown.exit_code == 1
        assert "district atlantis" in unknown.output
        short = CliRunner().invoke(
            cli, ["create-user", "b@example.kz", "--role", "admin", "--password-stdin"], input="x\n"
        )
        assert short.exit_code == 1
        assert "at least 10 characters" in short.output
