"""The route index (app.platform.route_index) picks what the whole router would pick.

For a concrete path of every route template, every method, and paths no route serves, the
router run on the index's short list chooses the same route with the same match as the
router run on every route; a path nothing matches is left to the whole router.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Match

from app.platform.route_index import RouteIndex, _literal
from tests.security.test_methods import CANDIDATES, sample_paths

ODD_PATHS = [
    "/",
    "/healthz/",
    "/healthz\n",
    "/static",
    "/static/",
    "/api/v1/yards/not-a-number",
    "/api/v1/nothing",
    "/no/such/page",
    "//healthz",
]


def pick(routes: list[BaseRoute], scope: dict[str, Any]) -> tuple[BaseRoute | None, Match]:
    """What Starlette's Router.app chooses: the first full match, else the first partial."""
    partial = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match == Match.FULL:
            return route, match
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial, (Match.PARTIAL if partial else Match.NONE)


def scope_of(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


@pytest.fixture(scope="module")
def routes(client: TestClient) -> list[BaseRoute]:
    return list(client.app.router.routes)  # type: ignore[attr-defined]


class TestRouteIndex:
    def test_the_short_list_picks_what_every_route_picks(
        self, client: TestClient, routes: list[BaseRoute]
    ) -> None:
        index = RouteIndex(lambda: routes)
        paths = [*sample_paths(client.app), *ODD_PATHS]
        problems = []
        for path in paths:
            found = index.find(path)
            short = [routes[i] for i in found.entries]
            for method in CANDIDATES:
                whole = pick(routes, scope_of(method, path))
                if not found.entries:
                    # Left to the whole router: only right if no route matches at all.
                    if whole[1] != Match.NONE:
                        problems.append(f"{method} {path}: index found nothing")
                    continue
                if pick(short, scope_of(method, path)) != whole:
                    problems.append(f"{method} {path}: a different route")
        assert not problems, "\n".join(problems)

    def test_methods_are_those_of_every_route_at_the_path(self, routes: list[BaseRoute]) -> None:
        index = RouteIndex(lambda: routes)
        assert index.find("/api/v1/submissions/0b6b0f7c-1e2a-4c5e-9d1e-3f1a2b3c4d5e/photos")
        assert {"GET", "POST"} <= index.find(
            "/api/v1/submissions/0b6b0f7c-1e2a-4c5e-9d1e-3f1a2b3c4d5e/photos"
        ).methods
        assert index.find("/static/css/app.css").methods == {"GET", "HEAD"}
        assert index.find("/no/such/page").methods == frozenset()

    def test_a_route_added_later_is_found(self) -> None:
        from fastapi import FastAPI

        app = FastAPI()
        index = RouteIndex(lambda: app.router.routes)
        assert not index.find("/late").entries

        @app.get("/late")
        def late() -> None: ...

        assert index.find("/late").methods == {"GET"}

    @pytest.mark.parametrize(
        ("path", "literal"),
        [
            ("/healthz", "/healthz"),
            ("/my-yards", "/my-yards"),
            ("/api/v1/areas.geojson", "/api/v1/areas.geojson"),
            ("/yards/{yard_id:int}", None),
        ],
    )
    def test_literal_paths(self, path: str, literal: str | None) -> None:
        from starlette.routing import compile_path

        assert _literal(compile_path(path)[0]) == literal


class TestThroughTheApp:
    def test_url_for_still_sees_every_route(self, client: TestClient) -> None:
        # A page links its static files with url_for("static", ...): the whole router.
        response = client.get("/")
        assert response.status_code == 200
        assert "/static/" in response.text


class TestIndexedRouter:
    """A toy app with and without the index: the same status and redirect for each path."""

    @staticmethod
    def toy(indexed: bool) -> TestClient:
        from fastapi import FastAPI

        from app.platform.security import methods

        app = FastAPI()

        @app.get("/a")
        def a() -> dict[str, str]:
            return {"at": "a"}

        @app.post("/b/")
        def b() -> dict[str, str]:
            return {"at": "b"}

        @app.get("/items/{item_id:int}")
        def item(item_id: int) -> dict[str, int]:
            return {"at": item_id}

        if indexed:
            methods.install(app)
        return TestClient(app)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/a"),
            ("GET", "/a/"),
            ("GET", "/a//"),
            ("POST", "/b"),
            ("POST", "/b/"),
            ("GET", "/items/7"),
            ("GET", "/items/7/"),
            ("GET", "/items/x"),
            ("GET", "/c"),
            ("GET", "/"),
        ],
    )
    def test_same_answer(self, method: str, path: str) -> None:
        plain = self.toy(False).request(method, path, follow_redirects=False)
        indexed = self.toy(True).request(method, path, follow_redirects=False)
        assert indexed.status_code == plain.status_code or plain.status_code == 405
        assert indexed.headers.get("location") == plain.headers.get("location")
        if plain.status_code != 405:  # the index's AllowedMethods answers 405s its own way
            assert indexed.content == plain.content
