"""Which routes can answer a path, found once per path instead of by trying every route.

FastAPI tries the app's routes in order, each included router's routes in turn, with a
regular expression, a copy of the scope's bookkeeping and a version walk per route: with
~110 routes in ~40 routers a route near the end cost ~0.25 ms of CPU before its endpoint ran
(docs/PERFORMANCE.md, "The envelope"). A route whose expression does not match the path can
only answer "no match", so leaving it out changes nothing: here every route's expression (of
the routes themselves, not of the routers that hold them) is read once, a path's list of
matching top-level entries (routers, mounts, routes; in the app's order) is kept per path,
and the router runs on that short list. A path nothing matches meets the router's own 404,
or its trailing-slash redirect when the other spelling matches, as before.

The same look-up gives the methods every route at the path serves (``Allow`` of a 405).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from re import Pattern
from typing import Any

from fastapi import routing
from starlette.routing import BaseRoute, Mount, get_route_path
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

# A static-files mount serves these (StaticFiles refuses anything else with a bare 405).
STATIC_METHODS = frozenset({"GET", "HEAD"})
# Paths remembered; a scanner's endless guesses empty it now and then, nothing worse.
MAX_PATHS = 4096
MAX_REMEMBERED_LENGTH = 256  # longer paths are looked up each time: memory stays small
_UNESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Leaf:
    """One route as it matches: its full expression, its methods, its top-level entry."""

    regex: Pattern[str]
    methods: frozenset[str]
    entry: int
    literal: str | None  # the path itself when it has no parameters


@dataclass(frozen=True)
class Found:
    """What a path matches: the top-level entries that may answer it, in the app's order,
    and every method some route at the path serves (empty: nothing is there, a 404)."""

    entries: tuple[int, ...]
    methods: frozenset[str]


NOTHING = Found((), frozenset())


def _literal(regex: Pattern[str]) -> str | None:
    """The path itself when the route has no parameters ("^/healthz$" -> "/healthz")."""
    if regex.groups or regex.flags & re.IGNORECASE:
        return None
    candidate = _UNESCAPE.sub(r"\1", regex.pattern.removeprefix("^").removesuffix("$"))
    return candidate if regex.pattern == f"^{re.escape(candidate)}$" else None


def leaves_of(routes: Sequence[BaseRoute]) -> tuple[list[Leaf], bool]:
    """Every route's expression with its top-level entry; False when some route cannot be
    read (a kind with no path expression, a Host): the router then always tries them all."""
    leaves: list[Leaf] = []
    complete = True
    for entry, route in enumerate(routes):
        if isinstance(route, Mount):
            methods = STATIC_METHODS if isinstance(route.app, StaticFiles) else frozenset()
            leaves.append(Leaf(route.path_regex, methods, entry, None))
            continue
        contexts = list(routing.iter_route_contexts([route]))
        for context in contexts:
            regex = getattr(context, "path_regex", None)
            if not isinstance(regex, Pattern):
                complete = False
                continue
            original = context.original_route
            if isinstance(original, Mount):  # a mount inside an included router
                static = isinstance(original.app, StaticFiles)
                methods = STATIC_METHODS if static else frozenset()
            else:
                methods = frozenset(getattr(context, "methods", None) or ())
            leaves.append(Leaf(regex, methods, entry, _literal(regex)))
    return leaves, complete


class RouteIndex:
    """The routes of one router, indexed by path; rebuilt when their number changes."""

    def __init__(self, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self._routes = routes
        self._known = -1
        self.complete = False  # every route's expression was read: the short list is exact
        self._all: list[Leaf] = []
        self._literal: dict[str, list[Leaf]] = {}
        self._patterns: list[Leaf] = []
        self._found: dict[str, Found] = {}
        self.generation = 0  # counts rebuilds: what was derived from an older one is stale

    def _refresh(self) -> None:
        # Routes are all added in create_app(); this runs again only if their number changes.
        routes = self._routes()
        if len(routes) == self._known:
            return
        leaves, self.complete = leaves_of(routes)
        self._all = leaves
        self._literal = {}
        self._patterns = []
        for leaf in leaves:
            if leaf.literal is not None:
                self._literal.setdefault(leaf.literal, []).append(leaf)
            else:
                self._patterns.append(leaf)
        self._found = {}
        self._known = len(routes)
        self.generation += 1

    def find(self, path: str) -> Found:
        """The entries and methods at ``path``."""
        self._refresh()
        found = self._found.get(path)
        if found is not None:
            return found
        if "\n" in path:
            # "$" also matches before a final line feed: only the expressions know.
            matching = [leaf for leaf in self._all if leaf.regex.match(path)]
        else:
            matching = list(self._literal.get(path, ()))
            matching += [leaf for leaf in self._patterns if leaf.regex.match(path)]
        if matching:
            methods: frozenset[str] = frozenset().union(*(leaf.methods for leaf in matching))
            found = Found(tuple(sorted({leaf.entry for leaf in matching})), methods)
        else:
            found = NOTHING
        if len(path) <= MAX_REMEMBERED_LENGTH:
            if len(self._found) >= MAX_PATHS:
                self._found.clear()
            self._found[path] = found
        return found


class IndexedRouter:
    """The router's own dispatch, run on the routes that can match the request's path.

    A path no route matches (a 404) skips the router's two passes over every route (the path
    as asked, then with its trailing slash added or removed) when the index says the other
    spelling matches nothing either; it then meets the router's own 404 as before.
    """

    def __init__(self, router: Any, index: RouteIndex) -> None:
        self.router = router
        self.index = index
        self._narrowed: dict[tuple[int, ...], Any] = {}
        self._generation = -1
        self._plain = False  # no low-priority (frontend) routes: a 404 is decided here

    def _router_over(self, entries: tuple[int, ...]) -> Any:
        if self._generation != self.index.generation:
            self._narrowed = {}
            self._generation = self.index.generation
            low_priority = getattr(self.router, "_iter_low_priority_routes", None)
            self._plain = callable(low_priority) and not any(True for _ in low_priority())
        narrowed = self._narrowed.get(entries)
        if narrowed is None:
            routes = self.router.routes
            # A shallow copy: the same settings, scope keys and default (404) answer.
            narrowed = copy.copy(self.router)
            narrowed.routes = [routes[i] for i in entries]
            self._narrowed[entries] = narrowed
        return narrowed

    def _other_spelling_matches(self, scope: Scope, route_path: str) -> bool:
        # What the router tries before its 404 (redirect_slashes), on the same scope copy.
        if not self.router.redirect_slashes or route_path == "/":
            return False
        redirect_scope = dict(scope)
        if route_path.endswith("/"):
            redirect_scope["path"] = redirect_scope["path"].rstrip("/")
        else:
            redirect_scope["path"] = redirect_scope["path"] + "/"
        return bool(self.index.find(get_route_path(redirect_scope)).entries)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router.app(scope, receive, send)
            return
        route_path = get_route_path(scope)
        found = self.index.find(route_path)
        if not self.index.complete:
            await self.router.app(scope, receive, send)
            return
        narrowed = self._router_over(found.entries)
        if not found.entries and (
            not self._plain or self._other_spelling_matches(scope, route_path)
        ):
            await self.router.app(scope, receive, send)
            return
        # url_for() and friends read the whole router from the scope, never the short list.
        scope.setdefault("router", self.router)
        await narrowed.app(scope, receive, send)
