"""``safeyard purge`` and ``safeyard redact``: residents' data past its retention period, and
deletion on a resident's request. Registered on the ``safeyard`` command in
app/channels/cli/main.py."""

from __future__ import annotations

from typing import Annotated

import typer

from app.platform.config import get_settings


def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what is past its period; remove nothing.")
    ] = False,
) -> None:
    """Remove residents' data past its retention period (run daily): photos, rows and files
    (SAFEYARD_RETENTION_PHOTOS_DAYS); submissions' comments, keeping answers and scores
    (SAFEYARD_RETENTION_COMMENTS_DAYS); failed-login records
    (SAFEYARD_RETENTION_LOGIN_ATTEMPTS_HOURS)."""
    from app.platform.db import Database, utcnow
    from app.privacy import retention
    from app.privacy import service as privacy_service

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.write_session() as session:
            report = retention.purge(session, settings=settings, now=utcnow(), dry_run=dry_run)
    finally:
        db.dispose()
    # Files only after the commit: a failed purge leaves every row's file in place.
    removed_any = report.photos or report.submissions_with_text or report.addresses
    files = (
        privacy_service.remove_files(report.files, settings=settings)
        if removed_any and not dry_run
        else 0
    )
    verb = "would remove" if dry_run else "removed"
    cut = report.cutoffs
    typer.echo(
        f"{verb} {report.photos} photos taken before {cut.photos:%Y-%m-%d %H:%M} UTC"
        + ("" if dry_run else f" ({files} files)")
    )
    typer.echo(
        f"{verb} {report.texts} comments from {report.submissions_with_text} submissions "
        f"received before {cut.comments:%Y-%m-%d %H:%M} UTC (answers and scores kept)"
    )
    typer.echo(
        f"{verb} {report.addresses} yard addresses typed by their first senders before "
        f"{cut.comments:%Y-%m-%d %H:%M} UTC"
    )
    typer.echo(
        f"{verb} {report.login_attempts} failed-login records from before "
        f"{cut.login_attempts:%Y-%m-%d %H:%M} UTC"
    )


def redact(
    reference: Annotated[str, typer.Argument(help="The resident's result link, or its id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Remove without asking.")] = False,
) -> None:
    """Delete a submission's free text and photos on the resident's request (the same as
    /admin/privacy): its answers and score stay; it is marked redacted. Recorded in the audit
    log (address "cli")."""
    from app.audit import service as audit_service
    from app.platform.db import Database
    from app.platform.errors import AppError
    from app.privacy import service as privacy_service

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        submission_id = privacy_service.parse_reference(reference)
        with db.session() as session:
            plan = privacy_service.plan_redaction(session, submission_id=submission_id)
        typer.echo(
            f"submission {plan.submission_id} ({plan.role}, yard {plan.yard_id}, received "
            f"{plan.received_at:%Y-%m-%d %H:%M} UTC): {plan.texts} comments and "
            f"{len(plan.photos)} photos to remove; {plan.answers} answers and the risk index "
            f"{plan.risk_index} stay"
        )
        if plan.nothing_to_remove:
            typer.echo("nothing to remove")
            return
        if not yes:
            typer.confirm("Remove them for good?", abort=True)
        with db.write_session() as session:
            done = privacy_service.redact(
                session, submission_id=submission_id, settings=settings, by_user_id=None
            )
            audit_service.record(
                session,
                user=None,
                action=audit_service.AuditAction.submission_redacted,
                target=audit_service.yard_target(done.plan.yard_id),
                ip="cli",
            )
    except AppError as exc:
        typer.echo(f"nothing removed: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    files = privacy_service.remove_files(done.files, settings=settings)
    typer.echo(
        f"removed {done.plan.texts} comments and {len(done.plan.photos)} photos "
        f"({files} files); the submission is marked redacted"
    )
