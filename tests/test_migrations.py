"""The Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations

from sqlalchemy import inspect

from alembic import command
from app.platform import migrate
from app.platform.db import Database, metadata


class TestMigrations:
    def test_models_and_migrations_agree(self, db: Database) -> None:
        migrate.check(db.url)  # raises if autogenerate would find any difference

    def test_every_table_exists(self, db: Database) -> None:
        tables = set(inspect(db.engine).get_table_names())
        assert set(metadata.tables) <= tables

    def test_downgrade_and_upgrade_again(self, tmp_path) -> None:
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
        migrate.upgrade(url)
        command.downgrade(migrate.alembic_config(url), "base")
        database = Database(url)
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
        database.dispose()
        migrate.upgrade(url)
        migrate.check(url)
