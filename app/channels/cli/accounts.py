"""``safeyard create-user`` and ``safeyard reset-password``: staff accounts from the shell.
Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from app.platform.config import get_settings


class AccountRole(StrEnum):
    cooperative = "cooperative"
    inspector = "inspector"
    admin = "admin"


def create_user(
    email: Annotated[str, typer.Argument(help="The login; stored lower-cased.")],
    role: Annotated[AccountRole, typer.Option(help="cooperative, inspector or admin.")],
    name: Annotated[str, typer.Option(help="The person's or cooperative's name.")] = "",
    district: Annotated[
        list[str] | None, typer.Option(help="An inspector's district id (repeatable).")
    ] = None,
    micro_district: Annotated[
        list[str] | None, typer.Option(help="An inspector's micro-district id (repeatable).")
    ] = None,
    city_wide: Annotated[bool, typer.Option(help="An inspector of the whole city.")] = False,
    yard: Annotated[
        list[int] | None, typer.Option(help="A cooperative's yard number (repeatable).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input, not a prompt.")
    ] = False,
) -> None:
    """Create an account (residents need none). The password comes from a prompt."""
    import sys

    from app.accounts import service as accounts_service
    from app.accounts.models import UserRole
    from app.platform.db import Database
    from app.platform.errors import AppError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = Database(get_settings().database_url)
    try:
        with db.write_session() as session:
            user = accounts_service.create_user(
                session,
                email=email,
                name=name,
                role=UserRole(role.value),
                password=password,
                links=accounts_service.Links(
                    district_ids=district or [],
                    micro_district_ids=micro_district or [],
                    yard_ids=yard or [],
                    city_wide=city_wide,
                ),
            )
            summary = f"created {user.role} {user.email} (id {user.id})"
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    typer.echo(summary)


def reset_password(
    email: Annotated[str, typer.Argument(help="The account's login.")],
    second_factor: Annotated[
        bool,
        typer.Option(help="Also forget the second factor (a lost phone): enrol again at login."),
    ] = False,
) -> None:
    """Give an account a temporary password (printed once), to be replaced at its next login;
    its sessions end. Recorded in the audit log (address "cli")."""
    from app.accounts import second_factor as accounts_second_factor
    from app.accounts import service as accounts_service
    from app.audit import service as audit_service
    from app.platform.db import Database

    db = Database(get_settings().database_url)
    try:
        with db.write_session() as session:
            user = accounts_service.find_user(session, email)
            if user is None:
                typer.echo(f"error: there is no user {email.strip().lower()}", err=True)
                raise typer.Exit(1)
            temporary = accounts_service.reset_password(session, user=user)
            actions = [audit_service.AuditAction.password_reset]
            if second_factor:
                accounts_second_factor.reset_second_factor(session, user=user)
                actions.append(audit_service.AuditAction.second_factor_reset)
            for action in actions:
                audit_service.record(
                    session,
                    user=None,
                    action=action,
                    target=audit_service.user_target(user.id),
                    ip="cli",
                )
            email = user.email
    finally:
        db.dispose()
    typer.echo(f"temporary password for {email} (shown once): {temporary}")
