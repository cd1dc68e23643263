"""``safeyard import-offences FILE...``: registered offences from the legal statistics
committee's crime map (docs/OFFENCES.md), checked, located and stored once each, all files in
one transaction. Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.platform.config import get_settings

if TYPE_CHECKING:
    from app.offences.schemas import ImportReport

# Read from the layer: more than this share outside every district means the coordinates are
# likely wrong (swapped, another system), not that the city lost its points.
OUTSIDE_WARNING_SHARE = 0.5


class _RollBack(Exception):
    """Raised inside the transaction to undo it (a dry run, or a file with problems)."""


def import_offences(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Esri JSON pages (f=json), GeoJSON or CSV files of the KPSSU/crime layer.",
        ),
    ],
    source: Annotated[
        str,
        typer.Option(help="Where the files come from; named beside every figure built on them."),
    ] = "KPSSU crime map (gis.kgp.kz, KPSSU/crime)",
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check the files and count what would be stored."),
    ] = False,
) -> None:
    """Store the offences of FILES not stored before (the same file twice adds nothing; an
    overlapping later export adds its new rows), each located in its district and
    micro-district; points outside every district are counted, not stored. A file with any
    problem stores nothing of any file: every problem is listed by record number and field."""
    from app.offences import service as offences_service
    from app.offences.schemas import OffencesInvalid
    from app.platform.db import Database
    from app.platform.errors import Unavailable
    from app.platform.translations import current_lang

    # The command speaks English, as the others do; reset after, for a caller in-process.
    language = current_lang.set("en")
    db = Database(get_settings().database_url)
    reports: list[ImportReport] = []
    invalid: list[OffencesInvalid] = []
    try:
        with db.write_session() as session:
            for path in files:
                try:
                    reports.append(
                        offences_service.import_offences(session, path=path, source=source)
                    )
                except OffencesInvalid as exc:
                    invalid.append(exc)
            if invalid or dry_run:
                raise _RollBack
    except _RollBack:
        # Described while the command's language is set: the problems are translated then.
        for bad in invalid:
            typer.echo(f"{bad.file_name} has {len(bad.problems)} problem(s):", err=True)
            for problem in bad.problems:
                typer.echo(f"  {problem.describe()}", err=True)
    except Unavailable as exc:
        typer.echo(f"nothing imported: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
        current_lang.reset(language)
    if invalid:
        typer.echo("nothing imported: correct the files and run the command again", err=True)
        raise typer.Exit(1)
    for report in reports:
        _print(report, dry_run=dry_run)
    new = sum(r.rows_new for r in reports)
    if dry_run:
        typer.echo(f"dry run: {new} offences would be stored; nothing stored")
    else:
        typer.echo(f"stored {new} new offences from {len(reports)} file(s); source: {source}")


def _print(report: ImportReport, *, dry_run: bool) -> None:
    verb = "would be new" if dry_run else "new"
    dates = (
        f"{report.date_from.isoformat()} to {report.date_to.isoformat()}"
        if report.date_from and report.date_to
        else "none"
    )
    typer.echo(
        f"{report.file_name} ({report.file_format}): {report.rows_read} read, "
        f"{report.rows_new} {verb}, {report.rows_known} already stored, "
        f"{report.rows_outside} outside every district; dates {dates}"
    )
    for warning in report.warnings:
        typer.echo(f"warning: {report.file_name}: {warning}", err=True)
    if report.rows_read and report.rows_outside / report.rows_read > OUTSIDE_WARNING_SHARE:
        typer.echo(
            f"warning: {report.file_name}: {report.rows_outside} of {report.rows_read} offences "
            "lie outside every district; check the coordinates (swapped? another system?) "
            "and that the districts are imported",
            err=True,
        )
