"""``safeyard photos orphans``: photo rows without a submission and files without a row.
Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

from typing import Annotated

import typer

from app.platform.config import get_settings

photos_cli = typer.Typer(help="Photo housekeeping.", no_args_is_help=True)


@photos_cli.command("orphans")
def photo_orphans(
    purge: Annotated[bool, typer.Option("--purge", help="Remove what is listed.")] = False,
    min_age_minutes: Annotated[
        float, typer.Option(help="Leave files younger than this (an upload may be under way).")
    ] = 60,
) -> None:
    """List photo rows without a submission and files in the photo folder without a row;
    with --purge, remove them."""
    from app.photos import orphans
    from app.platform.db import Database

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.write_session() as session:
            found = orphans.find_orphans(session, settings=settings, min_age_s=min_age_minutes * 60)
            for photo in found.rows:
                typer.echo(f"row\t{photo.id}\tsubmission {photo.submission_id} is missing")
            for path in found.files:
                typer.echo(f"file\t{path}")
            doomed = (
                orphans.delete_rows(session, settings=settings, rows=found.rows) if purge else []
            )
    finally:
        db.dispose()
    if purge:
        orphans.remove_files(doomed + found.files)
    verb = "removed" if purge else "found"
    typer.echo(f"{verb} {len(found.rows)} orphan rows and {len(found.files)} orphan files")
