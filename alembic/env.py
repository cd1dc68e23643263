"""Alembic environment: every table comes from app.models; the URL from the settings."""

from sqlalchemy import Engine

import app.models  # noqa: F401  (registers every table on the metadata)
from alembic import context
from app.platform.config import get_settings
from app.platform.db import make_engine, metadata

config = context.config


def _engine() -> Engine:
    # A connection handed in by app.platform.migrate (tests, `safeyard migrate`) wins over
    # the settings.
    url = config.attributes.get("database_url") or get_settings().database_url
    return make_engine(url)


def run_migrations_offline() -> None:
    url = config.attributes.get("database_url") or get_settings().database_url
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            # SQLite alters tables by copying them; batch mode does that for us.
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
