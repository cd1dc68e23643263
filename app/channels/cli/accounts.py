"""``safeyard create-user`` and ``safeyard reset-password``: staff accounts from the shell.
Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from app.platform.config import get_settings


class AccountRole(StrEnum):
    cooperative = "cooperative"
    inspector = "inspector"
    admin = "admin"
    official = "official"


def create_user(
    email: Annotated[str, typer.Argument(help="The login; stored lower-cased.")],
    role: Annotated[
        AccountRole,
        typer.Option(help="cooperative, inspector, admin or official (a body's staff)."),
    ],
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
    body: Annotated[
        str | None,
        typer.Option(help="An official's or cooperative's body id: the account acts for it."),
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
            if body is not None:
                _join_body(session, user_id=user.id, role=UserRole(role.value), body_id=body)
                summary += f", member of body {body}"
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    typer.echo(summary)


def _join_body(session: Any, *, user_id: int | None, role: Any, body_id: str) -> None:
    """Make the new account a member of ``body_id`` (officials and cooperatives only)."""
    from app.accounts.models import UserRole
    from app.bodies.models import Body, BodyMember
    from app.platform.errors import Invalid

    if role not in (UserRole.official, UserRole.cooperative):
        raise Invalid("Only officials and housing cooperatives act for a body; leave out --body.")
    if session.get(Body, body_id) is None:
        raise Invalid(f"There is no body {body_id[:64]!r}: check the id on the bodies' page.")
    assert user_id is not None
    session.add(BodyMember(body_id=body_id, user_id=user_id))
    session.flush()


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
