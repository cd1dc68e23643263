"""``safeyard import-bodies FILE``: the responsible bodies from a YAML or CSV file
(docs/BODIES.md), checked, upserted in one transaction, and the findings that had no body
routed. Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.platform.config import get_settings


class _DryRun(Exception):
    """Raised inside the transaction to roll it back after counting."""


def import_bodies(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .yaml or .csv bodies file.")
    ],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the file and count what would change; store nothing."
        ),
    ] = False,
) -> None:
    """Create or update the responsible bodies of FILE by id (items and a cooperative's yards
    replaced by the file's lists; bodies it does not name are kept), then give a body to every
    open finding that had none. A file with any problem changes nothing: every problem is
    listed, by body number, id and field."""
    from app.bodies import importing
    from app.bodies import service as bodies_service
    from app.bodies.schemas import BodiesInvalid, UpsertResult
    from app.checklists.loader import load_registry
    from app.findings import unrouted
    from app.platform.db import Database
    from app.platform.translations import current_lang

    # The command speaks English, as the others do; reset after, for a caller in-process.
    language = current_lang.set("en")
    settings = get_settings()
    registry = load_registry(settings.checklist_dir)
    db = Database(settings.database_url)
    result = UpsertResult()
    routed = 0
    try:
        records = importing.read_bodies_file(file)
        with db.write_session() as session:
            result = bodies_service.upsert_bodies(session, records=records, registry=registry)
            session.flush()
            routed = unrouted.route_unrouted(session, settings=settings)
            if dry_run:
                raise _DryRun
    except BodiesInvalid as exc:
        typer.echo(f"nothing imported: {file.name} has {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem.describe()}", err=True)
        raise typer.Exit(1) from None
    except _DryRun:
        pass
    finally:
        db.dispose()
        current_lang.reset(language)
    verb = "would be" if dry_run else ""
    typer.echo(
        f"bodies: {len(result.created)} {verb} created, {len(result.updated)} {verb} updated, "
        f"{len(result.unchanged)} unchanged; findings routed: {routed}".replace("  ", " ")
    )
    if dry_run:
        typer.echo("dry run: nothing stored")
