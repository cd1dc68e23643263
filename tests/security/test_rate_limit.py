"""Rate limits per client on anonymous submissions, the no-JS form, photo uploads and login:
429 with Retry-After, in memory or shared in Redis, failing open when Redis is down."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.accounts import security
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.main import create_app
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.security.ratelimit import (
    LOGIN,
    PHOTOS,
    SUBMISSIONS,
    MemoryBackend,
    RedisBackend,
    bucket_of,
    client_key,
)
from app.submissions.models import Submission
from tests.accounts.support import create_user, log_in, logged_in
from tests.factories import submission_body

REDIS_URL = "redis://127.0.0.1:6379/0"


def run_async(function: Any, *args: Any) -> Any:
    """``anyio.run`` in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread for the rest of the session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, function, *args).result()


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_up(), reason="Redis at 127.0.0.1:6379 unreachable")


def new_address() -> str:
    """A documentation-range IPv6 address in a /64 of its own: a client no test shares."""
    return f"2001:db8:{random.randrange(1 << 16):x}:{random.randrange(1 << 16):x}::1"


def app_with(settings: Settings, **limits: object) -> Iterator[FastAPI]:
    app = create_app(settings.model_copy(update=limits))
    with TestClient(app):
        yield app


def browser(app: FastAPI, address: str | None = None, **headers: str) -> TestClient:
    return TestClient(
        app,
        client=(address or new_address(), 40000),
        headers={"Accept-Language": "en", **headers},
    )


@pytest.fixture(scope="module")
def default_app(settings: Settings) -> Iterator[FastAPI]:
    """The real default limits (the rest of the suite runs with high ones)."""
    defaults = {
        name: Settings.model_fields[name].default
        for name in (
            "rate_limit_window_s",
            "rate_limit_submissions",
            "rate_limit_photos",
            "rate_limit_login",
            "redis_url",
        )
    }
    yield from app_with(settings, **defaults)


@pytest.fixture(scope="module")
def tight_app(settings: Settings) -> Iterator[FastAPI]:
    yield from app_with(settings, rate_limit_submissions=2, rate_limit_photos=2, rate_limit_login=3)


def stored(db: Database, submission_id: str) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).where(Submission.id == uuid.UUID(submission_id))
        ).one()


class TestDefaults:
    def test_thirty_submissions_then_429(
        self, default_app: FastAPI, registry: ChecklistRegistry, db: Database
    ) -> None:
        resident = browser(default_app)
        limit = Settings.model_fields["rate_limit_submissions"].default
        assert limit == 30
        # Refused bodies count too: a flood of junk is still a flood.
        for _ in range(limit):
            assert resident.post("/api/v1/submissions", json={}).status_code == 422
        body = submission_body(registry.current)
        refused = resident.post("/api/v1/submissions", json=body)
        assert refused.status_code == 429
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= Settings.model_fields["rate_limit_window_s"].default
        answer = refused.json()
        assert answer["error"] == "rate_limited"
        assert f"{retry_after} seconds" in answer["message"]
        assert "Nothing was stored" in answer["message"]
        assert stored(db, body["id"]) == 0
        # Another address is not held back by this one.
        assert browser(default_app).post("/api/v1/submissions", json=body).status_code == 201

    def test_reads_are_never_limited(self, default_app: FastAPI) -> None:
        resident = browser(default_app)
        for _ in range(40):
            assert resident.get("/api/v1/checklist").status_code == 200


class TestRefusals:
    def test_form_page_in_the_readers_language(self, tight_app: FastAPI) -> None:
        resident = browser(tight_app, **{"Accept-Language": "kk"})
        for _ in range(2):
            assert resident.post("/checklist", data={}).status_code != 429
        page = resident.post("/checklist", data={})
        assert page.status_code == 429
        assert page.headers["content-type"].startswith("text/html")
        assert int(page.headers["Retry-After"]) > 0
        assert 'lang="kk"' in page.text
        assert "минуттан кейін" in page.text  # "...in N minutes", in Kazakh

    def test_login(self, tight_app: FastAPI, db: Database) -> None:
        user = create_user(db, role=UserRole.inspector)
        visitor = browser(tight_app)
        for _ in range(3):
            assert log_in(visitor, user.email, "wrong password!").status_code == 401
        # Even the right password waits: the limit is per address, whatever the account.
        refused = log_in(visitor, user.email)
        assert refused.status_code == 429
        assert "Retry-After" in refused.headers
        assert "Too many login attempts" in refused.text

    def test_photos(self, tight_app: FastAPI) -> None:
        resident = browser(tight_app)
        url = f"/api/v1/submissions/{uuid.uuid4()}/photos"
        files = {"file": ("a.jpg", b"not an image", "image/jpeg")}
        for _ in range(2):
            assert resident.post(url, data={"item_id": "x"}, files=files).status_code != 429
        refused = resident.post(url, data={"item_id": "x"}, files=files)
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"

    def test_inspectors_and_admins_are_not_limited(
        self, tight_app: FastAPI, client: TestClient, db: Database
    ) -> None:
        office = new_address()
        for role in (UserRole.inspector, UserRole.admin):
            staff = signed_in(tight_app, client, db, role, office)
            for _ in range(5):
                assert staff.post("/api/v1/submissions", json={}).status_code == 422

    def test_cooperatives_are_limited(
        self, tight_app: FastAPI, client: TestClient, db: Database
    ) -> None:
        member = signed_in(tight_app, client, db, UserRole.cooperative, new_address())
        codes = [member.post("/api/v1/submissions", json={}).status_code for _ in range(3)]
        assert codes == [422, 422, 429]

    def test_forged_session_cookie_is_limited(self, tight_app: FastAPI) -> None:
        forger = browser(tight_app)
        forger.cookies.set("safeyard_session", "1.1.1.forged")
        codes = [
            forger.post("/api/v1/submissions", json={}, headers={"X-CSRF-Token": "x"}).status_code
            for _ in range(3)
        ]
        assert codes == [403, 403, 429]  # the CSRF guard, then the limit

    def test_a_session_without_its_second_factor_is_limited(
        self, tight_app: FastAPI, db: Database
    ) -> None:
        """A stolen password alone (the code not yet given) buys no staff exemption."""
        inspector = create_user(db, role=UserRole.inspector)
        half = browser(tight_app)
        half.cookies.set(
            "safeyard_session",
            security.session_cookie(
                tight_app.state.context.secret_key,
                user_id=inspector.id,
                version=inspector.session_version,
                second_factor=False,
            ),
        )
        codes = [
            half.post("/api/v1/submissions", json={}, headers={"X-CSRF-Token": "x"}).status_code
            for _ in range(3)
        ]
        assert codes == [403, 403, 429]


def signed_in(
    app: FastAPI, client: TestClient, db: Database, role: UserRole, address: str
) -> TestClient:
    """A session made on the suite's app (same key and database), used from ``address``
    on ``app``: logging in on ``app`` itself would spend its tight login limit."""
    made = logged_in(client.app, create_user(db, role=role))
    return TestClient(
        app,
        client=(address, 40000),
        cookies=dict(made.cookies.items()),
        headers=dict(made.headers.items()),
    )


class TestCounting:
    @pytest.mark.parametrize(
        ("method", "path", "bucket"),
        [
            ("POST", "/api/v1/submissions", SUBMISSIONS),
            ("POST", "/checklist", SUBMISSIONS),
            ("POST", f"/api/v1/submissions/{uuid.uuid4()}/photos", PHOTOS),
            ("POST", "/login", LOGIN),
            ("GET", "/api/v1/submissions", None),
            ("GET", "/checklist", None),
            ("POST", "/logout", None),
            ("POST", "/api/v1/submissions/x/photos/y", None),
        ],
    )
    def test_buckets(self, method: str, path: str, bucket: str | None) -> None:
        assert bucket_of(method, path) == bucket

    @pytest.mark.parametrize(
        ("client", "key"),
        [
            (("203.0.113.5", 1), "203.0.113.5"),
            (("2001:db8:1:2:aaaa::1", 1), "2001:db8:1:2::/64"),
            (("2001:db8:1:2:bbbb::9", 1), "2001:db8:1:2::/64"),
            (("::ffff:203.0.113.5", 1), "203.0.113.5"),
            (("testclient", 1), "testclient"),
            (None, "unknown"),
        ],
    )
    def test_client_key(self, client: tuple[str, int] | None, key: str) -> None:
        assert client_key({"client": client}) == key

    def test_memory_window_turns(self) -> None:
        now = [1000.0]
        backend = MemoryBackend(clock=lambda: now[0])

        async def hits(n: int) -> list[int]:
            return [(await backend.hit("k", 60)).count for _ in range(n)]

        assert run_async(hits, 3) == [1, 2, 3]
        assert run_async(backend.hit, "k", 60).reset_s == pytest.approx(20.0)  # 17 * 60 - 1000
        now[0] += 60
        assert run_async(hits, 1) == [1]

    def test_memory_forgets_old_windows_when_full(self) -> None:
        now = [0.0]
        backend = MemoryBackend(clock=lambda: now[0])
        backend.MAX_KEYS = 10
        for i in range(10):
            run_async(backend.hit, f"k{i}", 60)
        now[0] += 120
        run_async(backend.hit, "fresh", 60)
        assert len(backend._counts) == 1


@needs_redis
class TestRedis:
    def test_counts_and_expiry(self) -> None:
        import redis

        prefix = f"safeyard-test:{uuid.uuid4().hex}:"
        backend = RedisBackend(REDIS_URL, prefix=prefix)
        counts = [run_async(backend.hit, "submissions:a", 600) for _ in range(3)]
        assert [hit.count for hit in counts if hit] == [1, 2, 3]
        keys = redis.Redis.from_url(REDIS_URL).keys(f"{prefix}*")
        assert len(keys) == 1
        assert 0 < redis.Redis.from_url(REDIS_URL).ttl(keys[0]) <= 601
        backend.close()

    def test_two_app_instances_share_the_count(self, settings: Settings) -> None:
        shared = {"redis_url": REDIS_URL, "rate_limit_submissions": 3}
        first = create_app(settings.model_copy(update=shared))
        second = create_app(settings.model_copy(update=shared))
        address = new_address()
        with TestClient(first), TestClient(second):
            a, b = browser(first, address), browser(second, address)
            codes = [
                (a if i % 2 else b).post("/api/v1/submissions", json={}).status_code
                for i in range(4)
            ]
        assert codes == [422, 422, 422, 429]

    def test_fail_open_when_redis_is_down(
        self, settings: Settings, registry: ChecklistRegistry, caplog: pytest.LogCaptureFixture
    ) -> None:
        down = {"redis_url": "redis://127.0.0.1:1/0", "rate_limit_submissions": 1}
        app = create_app(settings.model_copy(update=down))
        body = submission_body(registry.current)
        with TestClient(app), caplog.at_level(logging.WARNING, logger="safeyard.security"):
            resident = browser(app)
            assert resident.post("/api/v1/submissions", json={}).status_code == 422
            assert resident.post("/api/v1/submissions", json=body).status_code == 201
        assert any("Redis unreachable" in r.getMessage() for r in caplog.records)


def test_fail_open_backend_unit(caplog: pytest.LogCaptureFixture) -> None:
    """Without any Redis: a backend pointed nowhere answers None (let through) and warns once."""
    backend = RedisBackend("redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="safeyard.security"):
        assert run_async(backend.hit, "k", 60) is None
        assert run_async(backend.hit, "k", 60) is None
    assert sum("Redis unreachable" in r.getMessage() for r in caplog.records) == 1
