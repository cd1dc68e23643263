"""Schemathesis walks the OpenAPI schema: every operation, valid (positive) and invalid
(negative) inputs, all its checks (no 5xx, every status documented, every body matching its
schema, content types, headers...).

Derandomized with a fixed number of examples so CI sees the same cases every run. Driven by
hand (a Hypothesis test per operation) rather than ``schema.parametrize()``, whose pytest
plugin does not run on pytest 9.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from app.accounts.models import UserRole
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.accounts.support import create_user, logged_in

EXAMPLES = 30

# Schema-valid yet refused (422) by design: which items and options a checklist has, and where
# Almaty is, live in the checklist data and the district map, not in the OpenAPI schema. So a
# schema-valid submission may still name an unknown item; the positive-data check accepts a 422
# for these operations only, and every other check still holds for them.
# Likewise a photo's bytes: the schema says "binary", only decoding says "an image" (415).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
SEMANTIC = {
    ("POST", "/api/v1/submissions"): [*ACCEPTED, "422"],
    ("POST", "/api/v1/submissions/{submission_id}/photos"): [*ACCEPTED, "415", "422"],
    # near= is a string to the schema; that it holds two numbers in range is checked in code.
    ("GET", "/api/v1/yards"): [*ACCEPTED, "422"],
    # section= names a checklist section: those come from the checklist data too.
    ("GET", "/api/v1/micro-districts.geojson"): [*ACCEPTED, "422"],
    # bbox= is a string to the schema; four numbers in order are checked in code.
    ("GET", "/api/v1/map/yards"): [*ACCEPTED, "422"],
}
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-path-regex": "^" + re.escape(path) + "$",
                "checks": {"positive_data_acceptance": {"expected-statuses": statuses}},
            }
            # Filters in one entry are OR-ed: the path alone (each names one operation here).
            for (_method, path), statuses in SEMANTIC.items()
        ]
    }
)


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan: checklists synced, area index loaded
        yield app


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)


@pytest.fixture(scope="module")
def admin_headers(fuzzed_app: FastAPI, db: Database) -> dict[str, str]:
    browser = logged_in(fuzzed_app, create_user(db, role=UserRole.admin))
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": browser.headers["X-CSRF-Token"]}


def fuzz(
    schema: schemathesis.schemas.BaseSchema,
    mode: GenerationMode,
    examples: int,
    headers: dict[str, str] | None = None,
) -> list[str]:
    """Every operation through Hypothesis; the failures, one line each."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers)

        try:
            check()
        except Unsatisfiable:
            continue  # no parameters to break: a negative case of it cannot exist
        except Exception as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_anonymous(api_schema: schemathesis.schemas.BaseSchema, mode: GenerationMode) -> None:
    """A resident without an account (no cookie): what most calls are."""
    failures = fuzz(api_schema, mode, EXAMPLES)
    assert not failures, "\n\n".join(failures)


def test_signed_in_admin(
    api_schema: schemathesis.schemas.BaseSchema, admin_headers: dict[str, str]
) -> None:
    """Valid inputs with an admin's session cookie and its CSRF token (the staff's view)."""
    failures = fuzz(api_schema, GenerationMode.POSITIVE, EXAMPLES // 3, admin_headers)
    assert not failures, "\n\n".join(failures)
