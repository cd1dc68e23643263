"""Schemathesis walks the OpenAPI schema as its command line does (``st run --checks all``):
every operation, through all its phases (the schema's examples, the coverage of every
declared constraint and its edges, unsupported methods, random fuzzing of valid (positive) and
invalid (negative) inputs, and the stateful links), with every check (no 5xx, every status
documented, every body matching its schema, content types, headers, ``Allow`` on OPTIONS and
405, invalid input refused, valid input accepted...), anonymously and as an admin.

The schema therefore has to say everything the server enforces: a pattern or enum the route
checks but does not declare makes a "schema-valid request rejected" failure.

Seeded, with a bounded number of examples per operation, so every run sees the same cases.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI, routing
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.engine import from_schema as engine_for

from app.accounts.models import UserRole
from app.main import create_app
from app.platform.config import Settings
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in

EXAMPLES = 50
SEED = 20261205
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
]

# Schema-valid yet refused by design, for reasons JSON Schema cannot state: which items and
# options a checklist version has live in the checklist data (a schema-valid body may name an
# unknown item: 422); a photo's bytes are "binary" to the schema, only decoding says "an
# image" (415); a box's west < east and south < north compare two numbers; the public yards
# take exactly one of bbox and near (two optional query parameters); a month that has not
# begun depends on today. Every other check still holds for these operations, and their
# patterns and enums are declared and enforced like everyone else's.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
SEMANTIC = {
    "/api/v1/submissions": [*ACCEPTED, "422"],
    "/api/v1/submissions/{submission_id}/photos": [*ACCEPTED, "415", "422"],
    "/api/v1/map/yards": [*ACCEPTED, "422"],
    "/api/v1/public/yards": [*ACCEPTED, "422"],
    "/api/v1/districts/{district_id}/monthly": [*ACCEPTED, "422"],
}


def config(
    headers: dict[str, str] | None = None, checks: list[str] = CHECKS, examples: int = EXAMPLES
) -> SchemathesisConfig:
    data: dict[str, object] = {
        "seed": SEED,
        "workers": 1,
        "generation": {
            "mode": "all",
            "max-examples": examples,
            "database": "none",
            "no-shrink": True,
        },
        "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
        "operations": [
            {
                "include-path-regex": "^" + re.escape(path) + "$",
                "checks": {"positive_data_acceptance": {"expected-statuses": statuses}},
            }
            for path, statuses in SEMANTIC.items()
        ],
    }
    if headers:
        data["headers"] = headers
    return SchemathesisConfig.from_dict(data)


@dataclass
class Outcome:
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.operations)} operations, {self.cases} test cases, "
            f"{len(self.failures)} failures in {self.seconds:.1f} s"
        )


def run(app: FastAPI, headers: dict[str, str] | None = None, **options: Any) -> Outcome:
    """Every phase of the engine over the app; its failures, one paragraph each."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config(headers, **options))
    outcome = Outcome()
    started = time.monotonic()
    for event in engine_for(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            outcome.cases += len(recorder.cases)
            for case in recorder.cases.values():
                outcome.operations.add(case.value.operation.label)
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status != Status.FAILURE:
                        continue
                    info = check.failure_info
                    outcome.failures.append(
                        f"{info.failure.operation}: {check.name}: {info.failure.title}\n"
                        f"{info.failure.message}\n{info.code_sample}"
                        if info is not None
                        else f"{recorder.label}: {check.name} failed"
                    )
        elif isinstance(event, events.NonFatalError):
            outcome.failures.append(f"error: {event.label}: {event.info}")
        elif isinstance(event, events.FatalError | events.Interrupted):
            outcome.failures.append(f"the run stopped: {event!r}")
    outcome.seconds = time.monotonic() - started
    return outcome


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan: checklists synced, area index loaded
        yield app


# The PDFs cost a second of CPU each (their own tests cover them); /metrics and /logout
# have no input to fuzz.
NOT_FUZZED = re.compile(r"\.pdf$|^/metrics$|^/logout$")


@pytest.fixture(scope="module")
def pages_app(settings: Settings) -> Iterator[FastAPI]:
    """The app with its HTML pages in the schema too (they are left out of the API's): the
    pages are fuzzed for server errors only, since they answer with redirects and pages
    rather than the JSON the schema describes."""
    app = create_app(settings)
    for context in routing.iter_route_contexts(app.routes):
        # FastAPI copies an included router's routes into contexts; the schema reads those.
        target = getattr(context, "_route_context", None) or context.original_route
        path = getattr(context, "path", "") or ""
        if hasattr(target, "include_in_schema") and not NOT_FUZZED.search(path):
            target.include_in_schema = True
    with TestClient(app):
        yield app


@pytest.fixture(scope="module")
def admin_headers(fuzzed_app: FastAPI, db: Database) -> dict[str, str]:
    browser = logged_in(fuzzed_app, create_user(db, role=UserRole.admin))
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": browser.headers["X-CSRF-Token"]}


def test_anonymous(fuzzed_app: FastAPI) -> None:
    """A resident without an account (no cookie): what most calls are."""
    outcome = run(fuzzed_app)
    print("schemathesis, anonymous:", outcome.summary())
    assert outcome.cases > 20 * len(outcome.operations) > 0
    assert not outcome.failures, "\n\n".join(outcome.failures)


def test_signed_in_admin(fuzzed_app: FastAPI, admin_headers: dict[str, str]) -> None:
    """The same with an admin's session cookie and its CSRF token: the staff-only operations
    are reached past their 401."""
    outcome = run(fuzzed_app, admin_headers)
    print("schemathesis, admin:", outcome.summary())
    assert outcome.cases > 20 * len(outcome.operations) > 0
    assert not outcome.failures, "\n\n".join(outcome.failures)


@pytest.mark.parametrize("identity", ["anonymous", "admin"])
def test_pages_never_answer_5xx(pages_app: FastAPI, db: Database, identity: str) -> None:
    """Every page and form, anonymously and as an admin: whatever comes in, no 5xx."""
    headers = None
    if identity == "admin":
        browser = logged_in(pages_app, create_user(db, role=UserRole.admin))
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        headers = {"Cookie": cookie, "X-CSRF-Token": browser.headers["X-CSRF-Token"]}
    outcome = run(pages_app, headers, checks=["not_a_server_error"], examples=20)
    print(f"schemathesis, pages, {identity}:", outcome.summary())
    assert len(outcome.operations) > 40
    assert not outcome.failures, "\n\n".join(outcome.failures)
