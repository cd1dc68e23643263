"""The admin's /admin/bodies: the responsible bodies, the items each answers for, the yards a
cooperative keeps and the accounts that act for a body. Admins only; every change is written
to the audit log in the change's own transaction. Plain forms: no JavaScript needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import security
from app.accounts.models import User
from app.audit import service as audit
from app.bodies import service as bodies_service
from app.bodies.models import Body
from app.bodies.schemas import BodiesInvalid
from app.bodies.validation import known_item_ids
from app.channels.staff.bodies_forms import (
    TEXT_FIELDS,
    BodyForm,
    CheckedBodyForm,
    page_context,
    yard_labels,
)
from app.channels.staff.forms import CheckedForm, binding, client_ip, field
from app.channels.web.auth_deps import RequireAdmin, secret_of
from app.channels.web.context import context_of
from app.checklists.loader import ChecklistRegistry
from app.platform.db import DatabaseDep, SessionDep, parse_row_id
from app.platform.errors import AppError, Invalid
from app.platform.templating import render
from app.platform.translations import gettext

router = APIRouter(include_in_schema=False)
CITY = "city"  # the district filter's value for the city-wide bodies


def _registry(request: Request) -> ChecklistRegistry:
    return context_of(request.scope).checklists


def _csrf(request: Request) -> str:
    return security.csrf_token(secret_of(request), binding(request) or "")


def _record(write: Session, request: Request, *, admin: User, target: str) -> None:
    audit.record(
        write,
        user=admin,
        action=audit.AuditAction.body_changed,
        target=target,
        ip=client_ip(request),
    )


@router.get("/admin/bodies", response_class=HTMLResponse)
def bodies_page(
    request: Request,
    session: SessionDep,
    admin: RequireAdmin,
    district: str = "",
    kind: str = "",
    channel: str = "",
) -> HTMLResponse:
    rows = bodies_service.list_bodies(
        session,
        district_id=district if district and district != CITY else None,
        city_wide=district == CITY,
        kind=kind or None,
        channel=channel or None,
    )
    context: dict[str, Any] = {
        **page_context(session, registry=_registry(request)),
        "rows": rows,
        "query": {"district": district, "kind": kind, "channel": channel},
        "city": CITY,
    }
    return render(request, "admin/bodies.html", context)


def _form_page(
    request: Request,
    session: Session,
    *,
    form: BodyForm,
    body_id: str | None,
    status_code: int = 200,
    member_error: str = "",
) -> HTMLResponse:
    context: dict[str, Any] = {
        **page_context(session, registry=_registry(request)),
        "csrf_token": _csrf(request),
        "form": form,
        "errors": form.errors_by_field,
        "body_id": body_id,
        "yard_labels": yard_labels(session, form.yard_ids()),
        "members": bodies_service.members_of(session, body_id=body_id) if body_id else [],
        "member_error": member_error,
    }
    return render(request, "admin/bodies_edit.html", context, status_code=status_code)


@router.get("/admin/bodies/new", response_class=HTMLResponse)
def new_body_page(request: Request, session: SessionDep, admin: RequireAdmin) -> HTMLResponse:
    form = BodyForm(
        values={
            **dict.fromkeys(TEXT_FIELDS, ""),
            "kind": "akimat_housing",
            "channel": "email",
            "deadline_days": "30",
        }
    )
    return _form_page(request, session, form=form, body_id=None)


@router.get("/admin/bodies/{body_id}", response_class=HTMLResponse)
def edit_body_page(
    request: Request, body_id: str, session: SessionDep, admin: RequireAdmin
) -> HTMLResponse:
    body = bodies_service.get_body(session, body_id=body_id)
    form = BodyForm.of_record(bodies_service.record_of(session, body=body))
    return _form_page(request, session, form=form, body_id=body.id)


def _save(
    request: Request,
    form_data: Any,
    *,
    admin: User,
    db: Any,
    session: Session,
    body_id: str | None,
) -> Response:
    registry = _registry(request)
    form = BodyForm.posted(form_data, registry_items=known_item_ids(registry))
    record = form.record(body_id=body_id or form.values.get("id", ""))
    try:
        if form.problems:
            raise BodiesInvalid(form.problems)
        with db.write_session() as write:
            if body_id is None and (record.id == "new" or write.get(Body, record.id) is not None):
                form.problem("id", _id_taken(record.id))
                raise BodiesInvalid(form.problems)
            bodies_service.upsert_bodies(write, records=[record], registry=registry)
            _record(write, request, admin=admin, target=f"body:{record.id}")
    except BodiesInvalid as exc:
        form.problems = exc.problems
        return _form_page(request, session, form=form, body_id=body_id, status_code=422)
    return RedirectResponse(f"/admin/bodies/{record.id}", status_code=303)


def _id_taken(body_id: str) -> str:
    return gettext(
        "a body “%(id)s” exists already: open it from the list to change it.", id=body_id
    )


@router.post("/admin/bodies/new", response_class=HTMLResponse)
def create_body(
    request: Request,
    admin: RequireAdmin,
    form: CheckedBodyForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    return _save(request, form, admin=admin, db=db, session=session, body_id=None)


@router.post("/admin/bodies/{body_id}", response_class=HTMLResponse)
def update_body(
    request: Request,
    body_id: str,
    admin: RequireAdmin,
    form: CheckedBodyForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    bodies_service.get_body(session, body_id=body_id)  # 404 for an unknown body
    return _save(request, form, admin=admin, db=db, session=session, body_id=body_id)


def _member_error(request: Request, session: Session, body_id: str, exc: AppError) -> Response:
    body = bodies_service.get_body(session, body_id=body_id)
    form = BodyForm.of_record(bodies_service.record_of(session, body=body))
    return _form_page(
        request,
        session,
        form=form,
        body_id=body_id,
        status_code=exc.status_code,
        member_error=exc.message,
    )


@router.post("/admin/bodies/{body_id}/members", response_class=HTMLResponse)
def add_member(
    request: Request,
    body_id: str,
    admin: RequireAdmin,
    form: CheckedForm,
    db: DatabaseDep,
    session: SessionDep,
) -> Response:
    try:
        with db.write_session() as write:
            user = bodies_service.add_member(write, body_id=body_id, email=field(form, "email"))
            _record(write, request, admin=admin, target=f"body:{body_id}:user:{user.id}")
    except Invalid as exc:
        return _member_error(request, session, body_id, exc)
    return RedirectResponse(f"/admin/bodies/{body_id}#members", status_code=303)


@router.post("/admin/bodies/{body_id}/members/{user_id}/remove", response_class=HTMLResponse)
def remove_member(
    request: Request,
    body_id: str,
    user_id: str,
    admin: RequireAdmin,
    form: CheckedForm,
    db: DatabaseDep,
) -> Response:
    row_id = parse_row_id(user_id)
    with db.write_session() as write:
        bodies_service.get_body(write, body_id=body_id)
        if row_id is not None:
            bodies_service.remove_member(write, body_id=body_id, user_id=row_id)
            _record(write, request, admin=admin, target=f"body:{body_id}:user:{row_id}")
    return RedirectResponse(f"/admin/bodies/{body_id}#members", status_code=303)
