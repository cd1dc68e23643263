"""Run the Alembic migrations from code (CLI, tests, start-up of the demo)."""

from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from alembic import command
from app.platform.config import PROJECT_ROOT
from app.platform.db import make_engine


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> bool:
    """Bring the database at ``database_url`` to ``revision`` (default: the newest); True
    when a database that already had a schema moved to another revision (an upgrade)."""
    before = current_revision(database_url)
    command.upgrade(alembic_config(database_url), revision)
    return before is not None and current_revision(database_url) != before


def current_revision(database_url: str) -> str | None:
    """The database's Alembic revision (None for a database without a schema yet)."""
    engine = make_engine(database_url)  # as Alembic's env.py: a SQLite file's folder is made
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check(database_url: str) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    command.check(alembic_config(database_url))
