"""Structured logs: one JSON object per line with the request's id; never a query string."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.platform.observability.logging import JsonFormatter, configure_logging, request_id_var

FORMAT = JsonFormatter()


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(FORMAT.format(record)) for record in caplog.records]


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [line for line in lines(caplog) if line["logger"] == "safeyard.access"]


class TestRequestId:
    def test_a_sane_incoming_id_is_kept_and_echoed(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
        assert response.headers["x-request-id"] == "lb-7f3a.42"
        (line,) = access_lines(caplog)
        assert line["request_id"] == "lb-7f3a.42"

    @pytest.mark.parametrize("sent", ["", "has space", "x" * 65, 'quote"d', "-leading"])
    def test_anything_else_is_replaced_by_a_new_id(self, client: TestClient, sent: str) -> None:
        response = client.get("/healthz", headers={"X-Request-ID": sent})
        echoed = response.headers["x-request-id"]
        assert echoed != sent and len(echoed) == 32 and int(echoed, 16) >= 0

    def test_each_request_gets_its_own_id(self, client: TestClient) -> None:
        ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
        assert len(ids) == 3
        assert request_id_var.get() == "-"  # nothing leaks out of a request


class TestAccessLog:
    def test_one_json_line_per_request_with_its_fields(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            client.get("/api/v1/yards/999999")
        (line,) = access_lines(caplog)
        assert line["level"] == "info"
        assert line["method"] == "GET"
        assert line["path"] == "/api/v1/yards/999999"
        assert line["route"] == "/api/v1/yards/{yard_id}"
        assert line["status"] == 404
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert str(line["time"]).endswith("+00:00")
        assert len(str(line["request_id"])) == 32

    def test_no_query_string_is_ever_logged(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A query string can hold where a resident stands."""
        with caplog.at_level(logging.DEBUG):
            client.get("/api/v1/yards?near=43.251234,76.912345")
            client.get("/yard/find?lat=43.251234&lon=76.912345")
        assert access_lines(caplog)
        logged = "\n".join(FORMAT.format(r) for r in caplog.records)
        assert "43.251234" not in logged and "76.912345" not in logged

    def test_no_capability_id_is_ever_logged(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Submission and photo ids open results and photos: whoever reads logs must not."""
        secret = "3f2b8c1e-6a4d-4e5f-9a7b-0c1d2e3f4a5b"
        with caplog.at_level(logging.DEBUG):
            client.get(f"/result/{secret}")
            client.get(f"/api/v1/submissions/{secret}/photos")
            client.get(f"/photos/{secret.replace('-', '')}.jpg")
        lines = access_lines(caplog)
        assert [line["path"] for line in lines] == [
            "/result/{uuid}",
            "/api/v1/submissions/{uuid}/photos",
            "/photos/{uuid}.jpg",
        ]
        logged = "\n".join(FORMAT.format(r) for r in caplog.records)
        assert secret not in logged and secret.replace("-", "") not in logged

    def test_records_inside_a_request_carry_its_id(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            response = client.get("/healthz")
        rid = response.headers["x-request-id"]
        assert {r.request_id for r in caplog.records if r.name == "safeyard.access"} == {rid}  # type: ignore[attr-defined]


class TestConfigure:
    def test_uvicorns_access_log_is_off_and_its_errors_come_through_ours(self) -> None:
        configure_logging(level="info", fmt="json")
        assert logging.getLogger("uvicorn.access").disabled
        assert logging.getLogger("uvicorn.error").propagate
        ours = [h for h in logging.getLogger().handlers if getattr(h, "_safeyard", False)]
        assert len(ours) == 1  # called again (each worker, each app): still one handler

    def test_text_format_for_development(self, capsys: pytest.CaptureFixture[str]) -> None:
        configure_logging(level="info", fmt="text")
        try:
            token = request_id_var.set("r-1")
            logging.getLogger("safeyard.test").warning("hello %s", "there")
            request_id_var.reset(token)
            err = capsys.readouterr().err
            assert "WARNING" in err and "[r-1] hello there" in err
        finally:
            configure_logging(level="info", fmt="json")

    def test_json_lines_are_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        configure_logging(level="info", fmt="json")
        logging.getLogger("safeyard.test").error("Қауіпсіз аула: %d", 1)
        (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x]
        assert line["message"] == "Қауіпсіз аула: 1"
        assert line["level"] == "error" and line["logger"] == "safeyard.test"
        assert line["request_id"] == "-"
