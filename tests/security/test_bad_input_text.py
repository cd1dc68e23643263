"""Text a client sends with control characters in it (issue 10, item 4), and the logs of bad
input: the rows "control characters" and "no log line" of test_bad_input.py's table.

Every place a client sends text (the submission's JSON, the no-JavaScript form, the address
search, the login and the admin's user forms, ids in staff URLs) refuses NUL and the other
controls with a 4xx naming the field, on SQLite and PostgreSQL alike; and no log record holds
the refused text, a resident's coordinates or a bound parameter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.factories import new_location, submission_body
from tests.security.test_bad_input import stored

MARKER = "SECRET-MARKER-7Q2X"
# A point in Almaly with more decimals than any yard keeps: its digits must never be logged.
POINT = {"lat": 43.2491357, "lon": 76.9182468, "accuracy_m": 7.0}
POINT_TEXTS = ["43.249135", "76.918246", "43.2491357", "76.9182468"]
RUSSIAN_CONTROL = "управляющий символ"


class TestControlCharacters:
    """Every place a client sends text refuses control characters, on both databases."""

    def test_line_breaks_tabs_and_format_characters_are_stored(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        item = next(iter(submission_body(registry.current)["answers"]))
        body = submission_body(
            registry.current,
            comment="Dark arch.\r\nSecond line\tand a tab",
            item_comments={item: "one\ntwo"},
            # Format characters (Cf) phones type: a zero-width joiner, a direction mark.
            address="Абай\u200d көшесі 1\u200e",
        )
        response = client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text
        assert stored(db, body["id"]) == 1

    def test_the_checklist_form_names_the_field_in_the_readers_language(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        from tests.accounts.support import fresh_client
        from tests.pages.support import fill_from, send

        browser = fresh_client(client.app)  # no language cookie of another test
        point = new_location()
        fields = fill_from(browser, f"lat={point['lat']}&lon={point['lon']}&accuracy_m=8")
        answers = submission_body(registry.current)["answers"]
        response = send(browser, fields, answers, comment=f"{MARKER}\x00 arch", lang="ru")
        assert response.status_code == 422, response.text[:500]
        assert RUSSIAN_CONTROL in response.text and "U+0000" in response.text
        assert 'href="#comment"' in response.text  # the summary links to the field
        assert stored(db, fields["id"]) == 0

    def test_the_address_search(self, client: TestClient) -> None:
        from tests.accounts.support import fresh_client

        response = fresh_client(client.app).get(
            "/yard/find", params={"q": f"Abaya\x00{MARKER}"}, headers={"Accept-Language": "kk"}
        )
        assert response.status_code == 422
        assert "басқару таңбасы" in response.text

    def test_the_login_email(self, client: TestClient) -> None:
        from tests.accounts.support import fresh_client, login_token

        browser = fresh_client(client.app)
        response = browser.post(
            "/login",
            data={
                "csrf_token": login_token(browser),
                "email": f"{MARKER}\x00@example.kz",
                "password": "whatever it is",
            },
            follow_redirects=False,
        )
        assert response.status_code == 422, response.text[:300]
        assert "email" in response.text and "U+0000" in response.text

    @pytest.mark.parametrize("field", ["email", "name"])
    def test_the_admins_user_form(self, client: TestClient, db: Database, field: str) -> None:
        from app.accounts.models import UserRole
        from tests.accounts.support import create_user, logged_in, new_email

        admin = logged_in(client.app, create_user(db, role=UserRole.admin))
        data = {
            "csrf_token": admin.headers["X-CSRF-Token"],
            "email": new_email("nul"),
            "name": "KSK Samal",
            "role": "cooperative",
            "password": "a long enough password",
        }
        data[field] = data[field] + "\x00"
        response = admin.post("/admin/users", data=data, follow_redirects=False)
        assert response.status_code == 422, response.text[:300]
        assert f"“{field}”" in response.text and "U+0000" in response.text


class TestNothingInTheLogs:
    """The bad-input requests above, sent again with a marker, a resident's exact point and
    NUL bytes: no log record and nothing written to stderr holds the marker or the point."""

    def test_refused_input_leaves_no_trace(
        self,
        client: TestClient,
        registry: ChecklistRegistry,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        from tests.accounts.support import fresh_client, login_token

        item = next(iter(submission_body(registry.current)["answers"]))
        spoilt = [
            {"comment": f"{MARKER}\x00"},
            {"address": f"{MARKER}\x00"},
            {"item_comments": {item: f"{MARKER}\x00"}},
            {"answers": {f"{MARKER}\x00": "yes"}},
            {"comment": f"{MARKER}", "client_created_at": "9999-12-31T00:00:00Z"},
        ]
        with at_debug(caplog):
            for change in spoilt:
                body = submission_body(registry.current, location=dict(POINT), **change)
                assert client.post("/api/v1/submissions", json=body).status_code == 422
            client.get("/yard/find", params={"q": f"{MARKER}\x00"})
            browser = fresh_client(client.app)
            browser.post(
                "/login",
                data={
                    "csrf_token": login_token(browser),
                    "email": f"{MARKER}\x00@example.kz",
                    "password": MARKER,
                },
            )
        assert caplog.records, "the requests were logged"
        assert_no_trace(caplog, capsys)

    def test_a_failing_statement_logs_and_raises_without_its_parameters(
        self,
        db: Database,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """What a 500 would log (the exception's text) and what SQLAlchemy's own logger
        writes at DEBUG: the statement, never the values bound to it."""
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        with at_debug(caplog):
            for engine in {db.engine, db.write_engine}:
                with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
                    connection.execute(
                        text("SELECT :comment, :lat FROM no_such_table"),
                        {"comment": f"{MARKER}\x00", "lat": POINT["lat"]},
                    )
                error = str(raised.value)
                assert "no_such_table" in error  # the statement is there, to debug by
                assert MARKER not in error and not any(t in error for t in POINT_TEXTS)
        assert any("sqlalchemy.engine" in r.name for r in caplog.records), "SQL was logged"
        assert_no_trace(caplog, capsys)


@contextmanager
def at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every logger that could see a request or a statement, at DEBUG, captured."""
    names = ["", "safeyard", "sqlalchemy.engine", "sqlalchemy.pool", "uvicorn", "uvicorn.error"]
    with ExitStack() as stack:
        for name in names:
            stack.enter_context(caplog.at_level(logging.DEBUG, logger=name))
        yield


def assert_no_trace(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    captured = capsys.readouterr()
    texts = [captured.out, captured.err, caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.extend(str(value) for key, value in vars(record).items() if key not in ("msg",))
    for text in texts:
        assert MARKER not in text, text[:500]
        assert "\x00" not in text, text[:500]
        for point in POINT_TEXTS:
            assert point not in text, text[:500]


class TestNulInStaffUrls:
    """Ids and filters in staff URLs reach SQL as text: a NUL there is the client's error
    (422 or 404), never a 500 (PostgreSQL refuses NUL; errors.py turns it into a 422)."""

    def test_never_a_server_error(self, client: TestClient, db: Database) -> None:
        from app.accounts.models import UserRole
        from tests.accounts.support import create_user, logged_in

        admin = logged_in(client.app, create_user(db, role=UserRole.admin))
        for url in [
            "/api/v1/micro-districts/a%00b",
            "/api/v1/districts/a%00b/monthly",
            "/inspector/areas/a%00b",
            "/inspector/districts/a%00b/monthly",
            "/api/v1/micro-districts.geojson?district=a%00b",
            "/admin/audit?user=a%00b&action=a%00b",
            "/inspector/reports/districts/a%00b.pdf",
        ]:
            assert admin.get(url).status_code in (200, 404, 422), url
