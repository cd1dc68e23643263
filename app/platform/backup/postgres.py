"""PostgreSQL backups: ``pg_dump -Fc`` of one snapshot whose row counts go in the manifest, and
the row counts read back out of a dump before it is restored."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from app.platform.backup.errors import BackupError

# "COPY public.submission (id, ...) FROM stdin;" or "COPY public."user" (...)".
_COPY = re.compile(r'^COPY (?:"?[^".\s]+"?\.)?"?([^"\s(]+)"? (?:\(.*\) )?FROM stdin;$')


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it (a
    password on the command line would show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client (Debian: "
            f"postgresql-client, the same major version as the server)"
        )
    return found


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[:2000]}")
    return done.stdout


def dump(url: URL, partial: Path) -> tuple[dict[str, int], str | None]:
    """``pg_dump -Fc`` into ``partial``; returns the row count of every table and the schema
    revision, read in the very snapshot the dump copies (exported to pg_dump --snapshot), so
    writers carrying on meanwhile cannot make the manifest disagree with the file."""
    uri, env = libpq(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                names = connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                    )
                ).scalars()
                tables = {
                    str(name): int(
                        connection.execute(
                            text(f'SELECT count(*) FROM "{str(name).replace(chr(34), "")}"')
                        ).scalar_one()
                    )
                    for name in list(names)
                }
                revision = None
                if "alembic_version" in tables:
                    revision = connection.execute(
                        text("SELECT version_num FROM alembic_version")
                    ).scalar()
                # The exporting transaction stays open while pg_dump reads its snapshot.
                run(
                    [
                        tool("pg_dump"),
                        "--format=custom",
                        "--no-owner",
                        f"--snapshot={snapshot}",
                        f"--file={partial}",
                        uri,
                    ],
                    env,
                )
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database: {exc.__class__.__name__}: {exc}") from exc
    finally:
        engine.dispose()
    return tables, revision


def dump_contents(src: Path) -> tuple[dict[str, int], str | None]:
    """Row counts of every table in a ``-Fc`` dump and its schema revision, read by streaming
    the dump's COPY data (one line per row in COPY's text format); refuses a file that is
    not a readable dump."""
    env = dict(os.environ)
    run([tool("pg_restore"), "--list", str(src)], env)
    process = subprocess.Popen(
        [tool("pg_restore"), "--data-only", "--file=-", str(src)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    tables: dict[str, int] = {}
    revision: str | None = None
    current: str | None = None
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip("\n")
        if current is None:
            match = _COPY.match(line)
            if match:
                current = match.group(1)
                tables.setdefault(current, 0)
        elif line == "\\.":
            current = None
        else:
            tables[current] += 1
            if current == "alembic_version":
                revision = line.split("\t")[0]
    _, errors = process.communicate()
    if process.returncode != 0:
        raise BackupError(f"pg_restore cannot read {src}: {errors.strip()[:2000]}")
    return tables, revision


def restore(url: URL, src: Path) -> None:
    """All or nothing: one transaction, stopping at the first error."""
    uri, env = libpq(url)
    run(
        [
            tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(src),
        ],
        env,
    )
