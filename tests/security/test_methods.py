"""OPTIONS and 405 over every route of the app: ``Allow`` names exactly the methods that work.

Walks ``app.routes`` (included routers and static mounts too), so a route added later is
checked with no change here. "Works" is judged by calling: every method in ``Allow`` is not
refused with a 405, every other method is, with the same ``Allow``.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict

import httpx
import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from starlette.routing import Mount

# Methods a client may try; CONNECT is a proxy's business and never reaches an app.
CANDIDATES = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS", "PROPFIND"]
PARAM = re.compile(r"\{[^}]+\}")


def sample_paths(app: object) -> dict[str, set[str]]:
    """A concrete path for every route template, with the methods its routes declare."""
    declared: dict[str, set[str]] = defaultdict(set)
    for context in routing.iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, Mount):
            declared[route.path + "/no-such-file.css"] |= {"GET", "HEAD"}
            continue
        # Any parameter convertor (str, int, uuid) accepts a UUID's text: the path matches.
        path = PARAM.sub(lambda _m: str(uuid.uuid4()), context.path_format or "")
        declared[path] |= set(context.methods or ())
    return declared


def allow_of(response: httpx.Response) -> set[str]:
    return {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}


@pytest.fixture(scope="module")
def samples(client: TestClient) -> dict[str, set[str]]:
    found = sample_paths(client.app)
    assert len(found) > 30, "the walk found too few routes"
    return found


class TestAllowedMethods:
    def test_options_lists_every_method_of_the_path(
        self, client: TestClient, samples: dict[str, set[str]]
    ) -> None:
        problems = []
        for path, declared in sorted(samples.items()):
            response = client.options(path)
            if response.status_code != 204:
                problems.append(f"OPTIONS {path}: {response.status_code}")
            elif not declared | {"OPTIONS"} <= allow_of(response):
                problems.append(f"OPTIONS {path}: Allow {allow_of(response)} misses {declared}")
        assert problems == []

    def test_allow_is_exactly_what_is_not_refused(
        self, client: TestClient, samples: dict[str, set[str]]
    ) -> None:
        """Methods outside Allow get a 405 with the same Allow; methods in it are served."""
        problems = []
        for path in sorted(samples):
            allowed = allow_of(client.options(path))
            for method in CANDIDATES:
                response = client.request(method, path, follow_redirects=False)
                refused = response.status_code == 405
                if refused == (method in allowed):
                    problems.append(f"{method} {path}: {response.status_code}, Allow {allowed}")
                elif refused and allow_of(response) != allowed:
                    problems.append(f"{method} {path}: 405 with Allow {allow_of(response)}")
        assert problems == []

    def test_the_photo_list_and_upload_share_a_path(self, client: TestClient) -> None:
        """The issue's case: GET and POST on one path used to answer ``Allow: POST``."""
        response = client.options(f"/api/v1/submissions/{uuid.uuid4()}/photos")
        assert response.status_code == 204
        assert response.headers["allow"] == "GET, OPTIONS, POST"
        assert response.content == b""

    def test_405_on_a_page_carries_allow(self, client: TestClient) -> None:
        response = client.request("TRACE", f"/photos/{uuid.uuid4()}.jpg")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, OPTIONS"
        assert response.headers["content-type"].startswith("text/html")

    def test_405_in_the_api_is_json_naming_the_methods(self, client: TestClient) -> None:
        response = client.delete("/api/v1/checklist")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, OPTIONS"
        body = response.json()
        assert body["error"] == "method_not_allowed"
        assert "DELETE" in body["message"] and "GET, OPTIONS" in body["message"]

    def test_unknown_path_stays_404(self, client: TestClient) -> None:
        for method in ("OPTIONS", "TRACE", "GET"):
            response = client.request(method, "/api/v1/no-such-thing")
            assert response.status_code == 404, method
            assert "allow" not in response.headers

    def test_a_cross_origin_preflight_gets_no_cors_grant(self, client: TestClient) -> None:
        response = client.options(
            "/api/v1/submissions",
            headers={
                "Origin": "https://elsewhere.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert response.status_code == 204
        assert [h for h in response.headers if h.lower().startswith("access-control-")] == []
        # The security headers still go with it.
        assert response.headers["x-content-type-options"] == "nosniff"
