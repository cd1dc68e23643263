"""Every route, for every role: who gets in. A route without a rule here fails the walk,
so a new page or API decides its access rule when it is added."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from app.accounts.models import UserRole
from app.platform.db import Database
from tests.accounts.support import create_user, fresh_client, logged_in, login_token

PUBLIC = "public"  # anyone, residents without an account included
ADMIN = "admin"  # administrators only
INSPECTOR = "inspector"  # inspectors and administrators (yard details: their scope only)
LOGIN = "login"  # the login form itself: wrong credentials are a 401 for anyone
# The monitoring system only: loopback clients or SAFEYARD_METRICS_TOKEN, never an account
# (the test client is neither, so every role is refused).
MONITORING = "monitoring"
# The steps of a login after the password (the code, enrolment, a new password): only a
# half-done login gets the form; anyone else is sent on (303: to /login, or where they were
# going when their login is complete).
LOGIN_STEP = "login_step"
# Any signed-in account (cooperatives, inspectors, admins); residents get the login page.
SIGNED_IN = "signed_in"
# Admins; cooperatives and inspectors only for the yards they are linked to or cover (the
# walk's users are linked to nothing, so it checks them like ADMIN).
OWN_YARD = "own_yard"
# Admins; inspectors only for the yards their scope covers (the walk's inspector covers
# nothing, so it checks them like ADMIN); cooperatives never.
YARD_STAFF = "yard_staff"

# Housing cooperatives and admins.
COOPERATIVE = "cooperative"
# The members of a body: officials, cooperatives, admins (inspectors never).
BODY = "body"
# 404 for everyone the walk has (none may see the finding it names), anonymous included.
HIDDEN = "hidden"

RULES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): LOGIN,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{user_id}"): ADMIN,
    ("POST", "/admin/users/{user_id}/password-reset"): ADMIN,
    ("POST", "/admin/users/{user_id}/second-factor-reset"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/admin/audit.csv"): ADMIN,
    ("GET", "/admin/privacy"): ADMIN,
    ("POST", "/admin/privacy/preview"): ADMIN,
    ("POST", "/admin/privacy/redact"): ADMIN,
    ("GET", "/admin/bodies"): ADMIN,
    ("GET", "/admin/outbox"): ADMIN,
    ("POST", "/admin/outbox/{message_id}/retry"): ADMIN,
    ("GET", "/admin/bodies/new"): ADMIN,
    ("POST", "/admin/bodies/new"): ADMIN,
    ("GET", "/admin/bodies/{body_id}"): ADMIN,
    ("POST", "/admin/bodies/{body_id}"): ADMIN,
    ("POST", "/admin/bodies/{body_id}/members"): ADMIN,
    ("POST", "/admin/bodies/{body_id}/members/{user_id}/remove"): ADMIN,
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/methodology"): PUBLIC,
    ("GET", "/login/code"): LOGIN_STEP,
    ("POST", "/login/code"): LOGIN_STEP,
    ("GET", "/login/enrol"): LOGIN_STEP,
    ("POST", "/login/enrol"): LOGIN_STEP,
    ("GET", "/login/new-password"): LOGIN_STEP,
    ("POST", "/login/new-password"): LOGIN_STEP,
    ("GET", "/account/second-factor"): SIGNED_IN,
    ("POST", "/account/second-factor"): SIGNED_IN,
    ("GET", "/api/v1/checklist"): PUBLIC,
    ("GET", "/api/v1/checklist/{version}"): PUBLIC,
    ("POST", "/api/v1/submissions"): PUBLIC,
    ("GET", "/api/v1/submissions/{submission_id}"): PUBLIC,
    ("POST", "/api/v1/submissions/{submission_id}/photos"): PUBLIC,
    ("GET", "/api/v1/submissions/{submission_id}/photos"): PUBLIC,
    ("GET", "/photos/{photo_id:uuid}.jpg"): PUBLIC,
    ("GET", "/photos/{photo_id:uuid}/thumb.jpg"): PUBLIC,
    ("GET", "/api/v1/places/search"): PUBLIC,
    ("GET", "/api/v1/map/base"): PUBLIC,
    ("GET", "/api/v1/yards"): PUBLIC,
    ("GET", "/api/v1/yards/{yard_id}"): PUBLIC,
    # Open311 GeoReport v2: public open data, read-only (writes: the methods guard's 405).
    ("GET", "/open311/v2/discovery.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/services.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/requests.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/requests/{request_id}.{fmt}"): PUBLIC,
    ("GET", "/open311/{rest:path}"): PUBLIC,
    # Area figures and exports: staff data (README, "For inspectors").
    ("GET", "/api/v1/micro-districts.geojson"): INSPECTOR,
    ("GET", "/api/v1/districts"): INSPECTOR,
    ("GET", "/api/v1/districts/{district_id}/areas"): INSPECTOR,
    ("GET", "/api/v1/exports/areas.csv"): INSPECTOR,
    ("GET", "/api/v1/exports/yards.geojson"): INSPECTOR,
    ("GET", "/api/v1/micro-districts/{micro_district_id}"): INSPECTOR,
    ("GET", "/api/v1/districts/{district_id}/monthly"): INSPECTOR,
    ("GET", "/api/v1/map/yards"): INSPECTOR,
    ("GET", "/inspector"): INSPECTOR,
    ("GET", "/inspector/areas/{micro_district_id}"): INSPECTOR,
    ("GET", "/inspector/districts/{district_id}/monthly"): INSPECTOR,
    # Moderating residents' photos: inspectors (their scope) and admins.
    ("GET", "/inspector/photos"): INSPECTOR,
    ("POST", "/inspector/photos/{photo_id}"): INSPECTOR,
    # The work queue, a yard's findings, a finding's page and its actions (issue 14).
    ("GET", "/inspector/queue"): INSPECTOR,
    ("GET", "/inspector/evidence"): INSPECTOR,
    ("GET", "/inspector/yards/{yard_id}/findings"): INSPECTOR,
    ("GET", "/inspector/findings/{finding_id}"): INSPECTOR,
    ("POST", "/inspector/findings/{finding_id}/{action}"): INSPECTOR,
    # PDF reports: the yard's cooperative/inspectors; a submission's holder; inspectors.
    ("GET", "/yards/{yard_id}/report.pdf"): OWN_YARD,
    ("GET", "/result/{submission_id}/report.pdf"): PUBLIC,
    ("GET", "/inspector/reports/districts/{district_id}.pdf"): INSPECTOR,
    ("GET", "/inspector/reports/micro-districts/{micro_district_id}.pdf"): INSPECTOR,
    # A cooperative's own yards (admins pass, with no yards); a body's findings (officials,
    # cooperatives, admins: their memberships); an after-photo: 404 to all who may not see
    # its finding, anonymous included (issue 14).
    ("GET", "/my-yards"): COOPERATIVE,
    ("POST", "/my-yards/findings/{finding_id}/fix"): COOPERATIVE,
    ("POST", "/my-yards/yards/{yard_id}/reaudit"): COOPERATIVE,
    ("GET", "/body"): BODY,
    ("POST", "/body/findings/{finding_id}/start"): BODY,
    ("POST", "/body/findings/{finding_id}/fix"): BODY,
    ("POST", "/body/findings/{finding_id}/not-ours"): BODY,
    ("GET", "/findings/{finding_id}/photo"): HIDDEN,
    # A report's photo: staff who may see the finding; 404 to everyone else (issue 19).
    ("GET", "/findings/{finding_id}/report-photo"): HIDDEN,
    # Linking a staff account to the Telegram bot: any signed-in account, its own link only.
    ("GET", "/account/telegram"): SIGNED_IN,
    ("POST", "/account/telegram/code"): SIGNED_IN,
    ("POST", "/account/telegram/unlink"): SIGNED_IN,
    # Telegram's webhook: the secret header is the credential, never an account; the walk's
    # app has no bot configured, so it is a 404 for everyone (a wrong secret: 403, tested in
    # tests/telegram).
    ("POST", "/telegram/webhook"): HIDDEN,
    # Residents' public map of areas (aggregates only) and their own list of checklists,
    # which lives in their browser (issue 18).
    ("GET", "/map"): PUBLIC,
    ("GET", "/map/areas/{area_id}"): PUBLIC,
    ("GET", "/api/v1/public/areas.geojson"): PUBLIC,
    ("GET", "/api/v1/public/yards"): PUBLIC,
    ("GET", "/mine"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): MONITORING,
    ("GET", "/"): PUBLIC,
    ("GET", "/yard/find"): PUBLIC,
    ("GET", "/checklist"): PUBLIC,
    ("POST", "/checklist"): PUBLIC,
    ("GET", "/result/{submission_id}"): PUBLIC,
    ("GET", "/yards/{yard_id}"): PUBLIC,
    ("POST", "/yards/{yard_id}/name"): YARD_STAFF,
    ("GET", "/yards/{yard_id}/appeal"): PUBLIC,  # docs/APPEALS.md: public data only
    ("POST", "/yards/{yard_id}/appeal.pdf"): PUBLIC,
    ("GET", "/manifest.webmanifest"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,
    ("GET", "/offline"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/static/vendor/leaflet"): PUBLIC,
}

MOUNT_SAMPLES = {"/static": "/static/css/app.css", "/static/vendor/leaflet": "/leaflet.js"}
ROLES = ["anonymous", "resident", "cooperative", "inspector", "admin", "official"]


def endpoints(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, routers included, HEAD left out."""
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.16x)
            context: Any = route.include_context  # type: ignore[attr-defined]
            yield from endpoints(route.original_router.routes, prefix + context.prefix)  # type: ignore[attr-defined]
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
        else:
            for method in sorted(getattr(route, "methods", None) or []):
                if method != "HEAD":
                    yield method, prefix + getattr(route, "path", "")


def concrete(path: str, user_id: int) -> str:
    if path in MOUNT_SAMPLES:
        return path + MOUNT_SAMPLES[path].removeprefix(path)
    samples = {
        "{user_id}": str(user_id),
        "{version}": "1",
        "{submission_id}": str(uuid.uuid4()),
        "{photo_id:uuid}": str(uuid.uuid4()),
        "{photo_id}": str(uuid.uuid4()),
        "{yard_id}": "999999",
        "{finding_id}": "999999",
        "{action}": "assign",
        "{micro_district_id}": "no-such-area",
        "{area_id}": "no-such-area",
        "{district_id}": "no-such-district",
        "{body_id}": "no-such-body",
        "{fmt}": "json",
        "{request_id}": "999999",
        "{message_id}": "999999",
        "{rest:path}": "nothing.json",
    }
    for name, value in samples.items():
        path = path.replace(name, value)
    assert "{" not in path, f"add a sample value for {path}"
    return path


@pytest.fixture(scope="module")
def clients(client: TestClient, db: Database) -> dict[str, TestClient]:
    made = {"anonymous": fresh_client(client.app), "resident": fresh_client(client.app)}
    made["resident"].cookies.set("lang", "kk")
    for role in ("cooperative", "inspector", "admin", "official"):
        made[role] = logged_in(client.app, create_user(db, role=UserRole(role)))
    return made


def call(browser: TestClient, method: str, path: str) -> httpx.Response:
    if method == "GET":
        return browser.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        return browser.post(path, json={}, follow_redirects=False)
    token = browser.headers.get("X-CSRF-Token") or login_token(browser)
    data = {"csrf_token": token}
    if path == "/login":  # a new address each walk: failures of one email lock it out
        data["email"] = f"nobody-{uuid.uuid4().hex[:8]}@example.kz"
    return browser.post(path, data=data, follow_redirects=False)


def to_login(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def check(rule: str, role: str, path: str, response: httpx.Response) -> str | None:
    """None when the response is what the rule expects, else what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if rule == PUBLIC:
        ok = status not in (401, 403) and not to_login(response)
    elif rule == LOGIN:
        ok = status == 401
    elif rule == MONITORING:
        ok = status == 403
    elif rule == HIDDEN:
        ok = status == 404
    elif rule == LOGIN_STEP:
        ok = status == 303 and (role not in ("anonymous", "resident") or to_login(response))
    elif (
        role == "admin"
        or (rule == INSPECTOR and role == "inspector")
        or (rule == SIGNED_IN and role in ("cooperative", "inspector", "official"))
        or (rule == COOPERATIVE and role == "cooperative")
        or (rule == BODY and role in ("cooperative", "official"))
    ):
        ok = status not in (401, 403) and not to_login(response)
    elif role in ("anonymous", "resident"):
        ok = status == 401 if path.startswith("/api/") else to_login(response)
    else:
        ok = status == 403
    return None if ok else f"{rule} route answered {status} {response.headers.get('location', '')}"


class TestRouteAccess:
    def test_every_route_has_a_rule(self, client: TestClient) -> None:
        found = set(endpoints(client.app.routes))  # type: ignore[attr-defined]
        missing = sorted(found - set(RULES))
        assert missing == [], f"give these routes an access rule in RULES: {missing}"
        assert sorted(set(RULES) - found) == [], "RULES names routes that are gone"

    @pytest.mark.parametrize("role", ROLES)
    def test_every_route_for_role(
        self, role: str, client: TestClient, clients: dict[str, TestClient], db: Database
    ) -> None:
        target_id = create_user(db, role=UserRole.inspector).id
        assert target_id is not None
        problems = []
        # POST /logout ends the session: walked last, so the routes after it see a user.
        walk = sorted(
            set(endpoints(client.app.routes)),  # type: ignore[attr-defined]
            key=lambda route: (route == ("POST", "/logout"), route),
        )
        for method, template in walk:
            rule = RULES.get((method, template))
            if rule is None:
                problems.append(f"{method} {template}: no rule")
                continue
            path = concrete(template, target_id)
            problem = check(rule, role, path, call(clients[role], method, path))
            if problem:
                problems.append(f"{method} {path}: {problem}")
        assert problems == [], f"{role}: {problems}"
