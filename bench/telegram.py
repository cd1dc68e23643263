"""The CPU a whole checklist conversation in Telegram costs the service beyond the intake.

    .venv/bin/python -m bench.telegram [--conversations 8]

A fresh SQLite database (migrated, Almaty's districts); the service under uvicorn in a
process of its own, its bot pointed at the tests' Bot API server in a third process; whole
conversations posted to POST /telegram/webhook as Telegram sends them (/start, the language,
a location, "a new yard", every question, "send"). The service's CPU is its own
``time.process_time`` (every thread: the event loop, the threadpool, aiogram's HTTP client),
read before and after each conversation through a bench-only route, and the intake's own CPU
(``app.intake.service.receive_checklist``, by ``time.thread_time`` inside its thread) is
subtracted. The first conversation (imports, catalogs, caches) is reported apart.
Figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.platform.config import PROJECT_ROOT

BUDGET_MS = 60.0
SECRET = "bench-secret"
TOKEN = "123456:TEST-token"


def serve(port: int) -> None:
    """The service as deployed (uvicorn, one worker) plus /bench/cpu; settings from the env."""
    import uvicorn

    from app.channels.telegram import finish
    from app.intake import service as intake_service
    from app.main import create_app

    spent = [0.0]
    original = intake_service.receive_checklist

    def receive_checklist(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.thread_time() - start

    finish.intake.receive_checklist = receive_checklist  # type: ignore[attr-defined]
    app = create_app()

    @app.get("/bench/cpu", include_in_schema=False)
    def cpu() -> dict[str, float]:
        return {"process": time.process_time(), "intake": spent[0]}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _wait(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the service did not start: {url}")


def conversation(
    client: httpx.Client, ids: Any, *, chat_id: int, where: dict[str, float], total: int
) -> None:
    chat = {"id": chat_id, "type": "private", "first_name": "A"}

    def post(update: dict[str, Any]) -> None:
        response = client.post("/telegram/webhook", json={"update_id": next(ids), **update})
        assert response.status_code == 200, response.text

    def message(**fields: Any) -> None:
        post({"message": {"message_id": next(ids), "date": 1_790_000_000, "chat": chat, **fields}})

    def tap(data: str) -> None:
        message_ = {"message_id": 2, "date": 1_790_000_000, "chat": chat, "text": "…"}
        sender = {"id": chat_id, "is_bot": False, "first_name": "A"}
        post(
            {
                "callback_query": {
                    "id": str(next(ids)),
                    "from": sender,
                    "chat_instance": "1",
                    "data": data,
                    "message": message_,
                }
            }
        )

    message(text="/start")
    tap("l:ru")
    message(location={"latitude": where["lat"], "longitude": where["lon"]})
    tap("y:new")
    for position in range(total):
        tap(f"a:{position}:0")
    tap("f")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    from app.channels.telegram.questions import resident_items
    from app.checklists.loader import load_registry
    from app.demo.reference import load_reference_data
    from app.platform import migrate
    from app.platform.db import Database
    from app.submissions.models import Submission
    from tests.factories import new_location

    botapi = subprocess.Popen(
        [sys.executable, "-m", "tests.telegram.botapi_server"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert botapi.stdout is not None and botapi.stdin is not None
    botapi_port = int(botapi.stdout.readline())
    service: subprocess.Popen[str] | None = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench-telegram.db"
            migrate.upgrade(url)
            registry = load_registry(PROJECT_ROOT / "app" / "checklists" / "data")
            database = Database(url)
            load_reference_data(database, registry=registry)
            port = 8000 + os.getpid() % 1000
            env = {
                **os.environ,
                "SAFEYARD_DATABASE_URL": url,
                "SAFEYARD_DATA_DIR": str(Path(folder) / "data"),
                "SAFEYARD_TELEGRAM_TOKEN": TOKEN,
                "SAFEYARD_TELEGRAM_WEBHOOK_SECRET": SECRET,
                "SAFEYARD_TELEGRAM_API_URL": f"http://127.0.0.1:{botapi_port}",
                "SAFEYARD_TELEGRAM_RATE_LIMIT_PER_MINUTE": "100000",
                "SAFEYARD_LOG_LEVEL": "warning",
            }
            service = subprocess.Popen(
                [sys.executable, "-m", "bench.telegram", "--serve", str(port)],
                cwd=PROJECT_ROOT,
                env=env,
            )
            base = f"http://127.0.0.1:{port}"
            _wait(base + "/healthz")
            total = len(resident_items(registry.current))
            ids = itertools.count(1)
            results = []
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                for n in range(args.conversations):
                    before = client.get("/bench/cpu").json()
                    conversation(
                        client, ids, chat_id=10**9 + n, where=new_location("medeu"), total=total
                    )
                    after = client.get("/bench/cpu").json()
                    cpu = (after["process"] - before["process"]) * 1000
                    intake = (after["intake"] - before["intake"]) * 1000
                    results.append((cpu, intake))
                # The envelope: the same number of posts refused at the door (wrong secret,
                # 403) go through every middleware and the route, and do nothing else.
                floor = []
                for _ in range(5):
                    before = client.get("/bench/cpu").json()
                    for n in range(5 + total):
                        client.post(
                            "/telegram/webhook",
                            json={"update_id": n, "message": {"text": "/start"}},
                            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                        )
                    after = client.get("/bench/cpu").json()
                    floor.append((after["process"] - before["process"]) * 1000)
            with database.session() as session:
                stored = session.query(Submission).count()
            database.dispose()
            assert stored == args.conversations, f"{stored} submissions stored"
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
        botapi.stdin.close()
        botapi.wait(10)
    updates = 5 + total
    first, rest = results[0], results[1:] or results
    beyond = [cpu - intake for cpu, intake in rest]
    median = statistics.median(beyond)
    print(f"questions per conversation: {total}; updates per conversation: {updates}")
    print(f"first conversation (cold): {first[0]:.1f} ms CPU, intake {first[1]:.1f} ms")
    for cpu, intake in rest:
        print(
            f"  conversation: {cpu:.1f} ms CPU, intake {intake:.1f} ms, "
            f"beyond {cpu - intake:.1f} ms"
        )
    envelope = statistics.median(floor)
    print(
        f"the app's envelope alone ({updates} posts refused with 403): {envelope:.1f} ms; "
        f"beyond the intake and the envelope: {median - envelope:.1f} ms"
    )
    print(
        f"beyond the intake, median of {len(beyond)} warm conversations: {median:.1f} ms "
        f"(min {min(beyond):.1f}, max {max(beyond):.1f}); per update {median / updates:.2f} ms; "
        f"budget {BUDGET_MS:.0f} ms: {'OK' if median <= BUDGET_MS else 'OVER'}"
    )


if __name__ == "__main__":
    main()
