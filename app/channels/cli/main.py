"""The ``safeyard`` command: serve, migrate, backup, restore, import-districts, demo,
refresh-areas; staff accounts, photo housekeeping and residents' data from their domains."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.channels.cli import accounts as accounts_commands
from app.channels.cli import bodies as bodies_commands
from app.channels.cli import notifications as notifications_commands
from app.channels.cli import offences as offences_commands
from app.channels.cli import photos as photos_commands
from app.channels.cli import privacy as privacy_commands
from app.channels.cli import telegram as telegram_commands
from app.channels.cli import validate as validate_commands
from app.platform.config import get_settings


class Level(StrEnum):
    district = "district"
    micro = "micro"


cli = typer.Typer(help="SafeYard: the Almaty yard safety checklist service.", no_args_is_help=True)


@cli.command()
def migrate() -> None:
    """Bring the database (SAFEYARD_DATABASE_URL) to the newest schema."""
    from sqlalchemy.engine import make_url

    from app.platform import migrate as migrations

    settings = get_settings()
    url = settings.database_url
    upgraded = migrations.upgrade(url)
    # Printed to logs (the image runs it at every start): never the password.
    typer.echo(f"database is up to date: {make_url(url).render_as_string(hide_password=True)}")
    if upgraded:
        # A new release may score a yard's submissions together by new rules: every stored
        # yard figure is rebuilt from its submissions at once, not at the next daily refresh.
        from app.findings.refresh import refresh_yards as refresh

        typer.echo(f"upgraded: refreshed {refresh(settings)} yards by this release's rules")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API and pages with uvicorn (several workers: one process each)."""
    import uvicorn

    from app.platform import server
    from app.platform.observability.logging import configure_logging
    from app.platform.observability.metrics import prepare_multiprocess_dir

    settings = get_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    prepare_multiprocess_dir(workers)  # before the workers start: they inherit it
    server.raise_fd_limit()  # the workers inherit it too
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        # Our logging, not uvicorn's: its access log prints query strings (coordinates).
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # A header timeout and a connection cap (app/platform/server.py); idle keep-alive
        # closed after:
        http=server.PROTOCOL,
        timeout_keep_alive=settings.keep_alive_timeout_s,
    )


@cli.command()
def backup(
    dest: Annotated[
        Path,
        typer.Argument(help="A new file, or a folder: a time-stamped file is made inside."),
    ],
) -> None:
    """Back up the database while the service runs: SQLite through its online backup API
    (checked with integrity_check), PostgreSQL with pg_dump -Fc."""
    from app.platform.backup.manifest import path_of as manifest_path
    from app.platform.backup.service import BackupError
    from app.platform.backup.service import backup as run_backup

    try:
        done = run_backup(get_settings().database_url, dest)
    except BackupError as exc:
        typer.echo(f"no backup made: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"backed up to {done.path} ({done.size_bytes} bytes, {done.backend}, "
        f"schema {done.schema_revision})"
    )
    if done.manifest is not None:
        typer.echo(
            f"manifest: {manifest_path(done.path)} (SHA-256 {done.manifest.sha256}, "
            f"{len(done.manifest.tables)} tables, {done.manifest.rows} rows); keep it with "
            "the backup: restore checks the file against it"
        )


@cli.command()
def restore(
    src: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A backup file.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database's content without asking.")
    ] = False,
    no_manifest: Annotated[
        bool,
        typer.Option(
            "--no-manifest",
            help="Restore a backup that has no manifest (made before manifests existed). "
            "Its bytes cannot be checked; a manifest that exists is always checked.",
        ),
    ] = False,
) -> None:
    """Replace the database's content with a backup, after checking the file against the
    manifest beside it (SHA-256, size, row counts, schema): a backup that does not match
    replaces nothing. Stop the service first; run 'safeyard migrate' after, when the backup is
    from an older version."""
    from sqlalchemy.engine import make_url

    from app.platform.backup.service import BackupError, verify
    from app.platform.backup.service import restore as run_restore

    url = get_settings().database_url
    try:
        # Checked before asking, so a bad file is refused before anyone says yes.
        verify(url, src, require_manifest=not no_manifest)
        if not yes:
            shown = make_url(url).render_as_string(hide_password=True)
            typer.confirm(f"Replace everything in {shown} with {src}?", abort=True)
        done = run_restore(url, src, require_manifest=not no_manifest)
    except BackupError as exc:
        typer.echo(f"nothing restored: {exc}", err=True)
        raise typer.Exit(1) from exc
    if done.manifest is None:
        typer.echo(f"warning: {src} had no manifest; its content was not checked", err=True)
    else:
        typer.echo(
            f"checked against its manifest: SHA-256 matches, {done.manifest.rows} rows in "
            f"{len(done.manifest.tables)} tables"
        )
    typer.echo(f"restored {src} into the database (schema {done.schema_revision})")


@cli.command("import-districts")
def import_districts(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A GeoJSON file.")],
    level: Annotated[
        Level,
        typer.Option(
            help="'district' (the 8 city districts) or 'micro' (precincts, quarters, a grid)."
        ),
    ] = Level.micro,
    id_property: Annotated[str, typer.Option(help="Property holding each area's id.")] = "id",
    kind: Annotated[
        str, typer.Option(help="Micro-districts: what they are (precinct, quarter, h3, grid).")
    ] = "precinct",
    name_property: Annotated[
        str | None, typer.Option(help="Micro-districts: property with the name.")
    ] = None,
    district_property: Annotated[
        str | None,
        typer.Option(
            help="Micro-districts: property with the district id, for a polygon outside every "
            "district; a polygon across district borders is cut into one area per district "
            "(id '<id>~<district>'), each named in a warning."
        ),
    ] = None,
    name_ru: Annotated[
        str, typer.Option(help="Districts: property with the Russian name.")
    ] = "name_ru",
    name_kk: Annotated[
        str, typer.Option(help="Districts: property with the Kazakh name.")
    ] = "name_kk",
    name_en: Annotated[
        str, typer.Option(help="Districts: property with the English name.")
    ] = "name_en",
    population_csv: Annotated[
        Path | None, typer.Option(help="Districts: CSV with district_id,pop_total,as_of.")
    ] = None,
    source: Annotated[
        str, typer.Option(help="Attribution of the data.")
    ] = "© OpenStreetMap contributors (ODbL)",
    repair: Annotated[
        bool,
        typer.Option(
            help="Repair invalid polygons with shapely's make_valid (and list each repair) "
            "instead of refusing the file."
        ),
    ] = False,
) -> None:
    """Import district or micro-district polygons from a GeoJSON file (upsert by id). A file
    with an invalid polygon, or one reaching outside SAFEYARD_CITY_BBOX, imports nothing."""
    from app.districts import service
    from app.geo.errors import GeoImportError
    from app.platform.db import Database

    db = Database(get_settings().database_url)
    repairs: list[str] = []
    warnings: list[str] = []  # polygons clipped at district borders (areas nest in districts)
    try:
        with db.write_session() as session:
            if level is Level.district:
                count = service.import_districts(
                    session,
                    path=file,
                    id_property=id_property,
                    name_properties={"ru": name_ru, "kk": name_kk, "en": name_en},
                    population_csv=population_csv,
                    source=source,
                    repair=repair,
                    repairs=repairs,
                )
            else:
                count = service.import_micro_districts(
                    session,
                    path=file,
                    id_property=id_property,
                    kind=kind,
                    name_property=name_property,
                    district_property=district_property,
                    source=source,
                    repair=repair,
                    repairs=repairs,
                    warnings=warnings,
                )
    except GeoImportError as exc:
        typer.echo(f"nothing imported: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    for note in repairs:
        typer.echo(f"repaired {note}")
    for note in warnings:
        typer.echo(f"warning: {file.name}: {note}", err=True)
    typer.echo(f"imported {count} {'districts' if level is Level.district else 'micro-districts'}")


@cli.command()
def demo(
    yards: Annotated[int, typer.Option(help="Synthetic yards to generate.")] = 400,
    submissions: Annotated[int, typer.Option(help="Synthetic submissions to generate.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 2026,
    audited_areas: Annotated[
        int | None,
        typer.Option(
            help="Areas of last year's audit campaign (default: a quarter of --yards from "
            "200 yards up, none for a smaller demo)."
        ),
    ] = None,
) -> None:
    """Migrate, load Almaty's real district boundaries and a synthetic (clearly marked) set of
    yards and submissions, last year's audit campaign, synthetic offences and a validation
    run on them (docs/VALIDATION.md). Running it again adds nothing new."""
    from app.context import build_context
    from app.demo import bodies as demo_bodies
    from app.demo import campaign as demo_campaign
    from app.demo import offences as demo_offences
    from app.demo import synthetic
    from app.demo.reference import load_reference_data
    from app.platform import migrate as migrations

    settings = get_settings()
    migrations.upgrade(settings.database_url)
    context = build_context(settings)
    db, registry = context.db, context.checklists
    load_reference_data(db, registry=registry)
    # The bodies before the submissions, so the intake routes each new finding.
    with db.write_session() as session:
        demo_bodies.load_demo_bodies(session, registry=registry)
    areas = context.load_areas()
    assert areas is not None
    # Audits of a year ago, before the everyday submissions (the intake takes them in time
    # order): the validation holds them against the past year's (synthetic) offences.
    as_of = demo_offences.demo_cut_off()
    campaign = demo_campaign.audit_campaign(
        db,
        registry=registry,
        areas=areas,
        settings=settings,
        before=as_of,
        n_areas=(yards // 4 if yards >= 200 else 0) if audited_areas is None else audited_areas,
        seed=seed,
    )
    made = synthetic.generate(
        db,
        registry=registry,
        areas=areas,
        settings=settings,
        yards=yards,
        submissions=submissions,
        seed=seed,
    )
    with db.write_session() as session:
        linked = demo_bodies.link_cooperatives(
            session, registry=registry, settings=settings, seed=seed
        )
    typer.echo(
        f"demo data ready: 8 districts, micro-districts from the H3 grid, "
        f"{made} new synthetic submissions"
    )
    typer.echo(
        f"bodies: {linked.cooperatives} new synthetic cooperatives for {linked.yards_linked} "
        f"yards; findings moved to them: {linked.rehomed}; findings routed: {linked.routed}"
    )
    evidence = demo_offences.load_demo_offences(db, seed=seed, as_of=as_of)
    typer.echo(
        f"synthetic offences (not registered crime): {evidence.offences} new, cut-off "
        f"{evidence.as_of.isoformat()}, after {campaign} new synthetic audits a year ago; "
        + (f"validation run {evidence.run_id}" if evidence.run_id else f"no run: {evidence.note}")
    )


# The commands of each domain (app/channels/cli/<domain>.py).
cli.command("create-user")(accounts_commands.create_user)
cli.command("reset-password")(accounts_commands.reset_password)
cli.add_typer(photos_commands.photos_cli, name="photos")
# Residents' personal data: retention and deletion on request.
cli.command()(privacy_commands.purge)
cli.command()(privacy_commands.redact)
# The responsible bodies (docs/BODIES.md).
cli.command("import-bodies")(bodies_commands.import_bodies)
# E-mail from the outbox (docs/NOTIFICATIONS.md).
cli.command("send-notifications")(notifications_commands.send_notifications)
# Registered offences from the committee's crime map (docs/OFFENCES.md).
cli.command("import-offences")(offences_commands.import_offences)
# The index held against registered offences (docs/VALIDATION.md).
cli.command("validate")(validate_commands.validate)
# The Telegram bot (docs/TELEGRAM.md).
cli.add_typer(telegram_commands.telegram_cli, name="telegram")


@cli.command("refresh-areas")
def refresh_areas() -> None:
    """Recompute every yard's current risk and findings (the 180-day window moves: run it daily)."""
    from app.findings.refresh import refresh_yards as refresh

    typer.echo(f"refreshed {refresh(get_settings())} yards")


def main() -> None:
    cli()
