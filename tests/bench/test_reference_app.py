"""The benchmarks' bare reference: stores a submission once, answers like the service's
endpoint, and holds no SafeYard code (it is the yardstick, so it must not carry the app)."""

from __future__ import annotations

import ast
import sqlite3
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.platform.config import PROJECT_ROOT
from bench.reference_app import create_reference_app


class TestReferenceApp:
    def test_stores_each_submission_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "reference.db"
        monkeypatch.setenv("BENCH_REFERENCE_DSN", f"sqlite:///{path}")
        client = TestClient(create_reference_app())
        body = {"id": str(uuid.uuid4()), "answers": {"lighting.at_night": "yes"}}
        for _ in range(2):
            response = client.post("/ref/submissions", json=body)
            assert response.status_code == 201
            assert response.json() == {"id": body["id"]}
        assert client.get("/ref/get").json() == {"status": "ok"}
        with sqlite3.connect(path) as connection:
            assert connection.execute("SELECT count(*) FROM ref_submission").fetchone() == (1,)

    def test_imports_nothing_of_the_app(self) -> None:
        tree = ast.parse((PROJECT_ROOT / "bench" / "reference_app.py").read_text())
        modules = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(m == "app" or m.startswith(("app.", "bench.")) for m in modules), modules
