"""/metrics: the Prometheus text format, counted by route template, readable by the monitoring
system only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.observability import metrics
from tests.factories import submission_body

LOOPBACK = ("127.0.0.1", 50123)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(scope="module")
def local(client: TestClient) -> Iterator[TestClient]:
    """The test application, called from this machine (loopback)."""
    with TestClient(client.app, client=LOOPBACK) as local_client:
        yield local_client


class TestExposition:
    def test_prometheus_text_format_with_our_metrics(self, local: TestClient) -> None:
        local.get("/healthz")
        response = local.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        families = {f.name: f for f in text_string_to_metric_families(response.text)}
        for name, kind in [
            ("safeyard_http_requests", "counter"),
            ("safeyard_http_request_duration_seconds", "histogram"),
            ("safeyard_submissions_accepted", "counter"),
            ("safeyard_submissions_rejected", "counter"),
            ("safeyard_photos_stored", "counter"),
            ("safeyard_reports_in_progress", "gauge"),
            ("safeyard_reports_rendered", "counter"),
            ("safeyard_report_render_seconds", "histogram"),
        ]:
            assert families[name].type == kind, name
        healthz = [
            s
            for s in families["safeyard_http_requests"].samples
            if s.labels == {"method": "GET", "route": "/healthz", "status": "200"}
        ]
        assert healthz and healthz[0].value >= 1

    def test_routes_are_counted_by_template_never_by_raw_path(self, local: TestClient) -> None:
        before = sample(
            "safeyard_http_requests_total",
            method="GET",
            route="/api/v1/yards/{yard_id}",
            status="404",
        )
        local.get("/api/v1/yards/424242")
        local.get("/api/v1/yards/434343")
        local.get(f"/no/such/{uuid.uuid4()}")
        after = sample(
            "safeyard_http_requests_total",
            method="GET",
            route="/api/v1/yards/{yard_id}",
            status="404",
        )
        assert after - before == 2
        text = local.get("/metrics").text
        assert "424242" not in text and "/no/such" not in text
        assert 'route="<unmatched>"' in text
        assert (
            sample(
                "safeyard_http_request_duration_seconds_count",
                method="GET",
                route="/api/v1/yards/{yard_id}",
            )
            >= 2
        )


class TestSubmissionCounts:
    def test_created_replay_and_rejected(
        self, local: TestClient, registry: ChecklistRegistry
    ) -> None:
        created = sample("safeyard_submissions_accepted_total", outcome="created")
        replay = sample("safeyard_submissions_accepted_total", outcome="replay")
        rejected = sample("safeyard_submissions_rejected_total", status="422")
        body = submission_body(registry.current)
        assert local.post("/api/v1/submissions", json=body).status_code == 201
        assert local.post("/api/v1/submissions", json=body).status_code == 200
        assert local.post("/api/v1/submissions", json={"id": "nope"}).status_code == 422
        # Again: the series are kept per route and status after the first answer.
        assert (
            local.post("/api/v1/submissions", json=submission_body(registry.current)).status_code
            == 201
        )
        assert local.post("/api/v1/submissions", json={"id": "nope"}).status_code == 422
        assert sample("safeyard_submissions_accepted_total", outcome="created") == created + 2
        assert sample("safeyard_submissions_accepted_total", outcome="replay") == replay + 1
        assert sample("safeyard_submissions_rejected_total", status="422") == rejected + 2


class TestWhoMayRead:
    def test_refused_to_a_remote_client_whatever_its_account(self, client: TestClient) -> None:
        response = client.get("/metrics")  # the test client's address is not loopback
        assert response.status_code == 403
        assert "safeyard_" not in response.text

    def test_with_a_token_only_the_token_counts(self, settings: Settings) -> None:
        from app.main import create_app

        app = create_app(settings.model_copy(update={"metrics_token": "s3cret-token"}))
        with TestClient(app, client=LOOPBACK) as same_machine:
            assert same_machine.get("/metrics").status_code == 403
            wrong = {"Authorization": "Bearer nope"}
            assert same_machine.get("/metrics", headers=wrong).status_code == 403
        with TestClient(app) as remote:
            right = {"Authorization": "Bearer s3cret-token"}
            response = remote.get("/metrics", headers=right)
            assert response.status_code == 200
            assert "safeyard_http_requests_total" in response.text


class TestMultiprocess:
    def test_serve_gives_the_workers_an_empty_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
        assert metrics.prepare_multiprocess_dir(1) is None  # one worker: in memory
        folder = metrics.prepare_multiprocess_dir(3)
        assert folder is not None and Path(folder).is_dir()
        stale = Path(folder) / "counter_123.db"
        stale.write_bytes(b"old run")
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", folder)
        assert metrics.prepare_multiprocess_dir(3) == folder
        assert not stale.exists()


class TestNoOpenTelemetry:
    def test_a_request_never_looks_up_opentelemetry_providers(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The service's metrics are its own: FastAPI's OpenTelemetry is off, so nothing asks
        # for a provider per request (it cost each POST ~8 us of the event loop).
        from opentelemetry import _logs as otel_logs
        from opentelemetry import metrics as otel_metrics
        from opentelemetry import trace

        def refuse() -> None:
            raise AssertionError("a provider was looked up")

        monkeypatch.setattr(trace, "get_tracer_provider", refuse)
        monkeypatch.setattr(otel_metrics, "get_meter_provider", refuse)
        monkeypatch.setattr(otel_logs, "get_logger_provider", refuse)
        assert client.get("/healthz").status_code == 200
