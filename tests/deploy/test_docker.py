"""The Dockerfile and compose.yaml, checked without a Docker engine: their essentials read
from the files, their package names looked up in this Debian, and the image's start command
run on this machine (migrate, then several workers answering /healthz and /metrics) on a new
SQLite file and a new PostgreSQL database."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from app.channels.cli.main import cli
from app.platform.config import PROJECT_ROOT, Settings
from tests import databases
from tests.reliability.support import Server, free_port

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE = PROJECT_ROOT / "compose.yaml"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
SYSTEM_DEPS = PROJECT_ROOT / "scripts" / "system-deps.sh"
VENV_BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def only(name: str) -> list[str]:
    return [args for word, args in instructions() if word == name]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in only("ENV"):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def start_command() -> list[str]:
    (cmd,) = only("CMD")
    parsed: list[str] = json.loads(cmd)  # the exec form: signals reach the process
    return parsed


def healthcheck_command() -> list[str]:
    (check,) = only("HEALTHCHECK")
    _, _, command = check.partition(" CMD ")
    return shlex.split(command)


def cli_commands() -> set[str]:
    return {c.name or (c.callback.__name__ if c.callback else "") for c in cli.registered_commands}


class TestDockerfile:
    def test_slim_python_311_base(self) -> None:
        (base,) = only("FROM")
        assert re.fullmatch(r"python:3\.11-slim(-bookworm)?", base)

    def test_runs_as_an_unprivileged_user(self) -> None:
        users = only("USER")
        assert users, "no USER: the service would run as root"
        assert users[-1] not in ("root", "0", "0:0")
        words = [word for word, _ in instructions()]
        # Everything after the last USER runs unprivileged, the start command included.
        assert words.index("CMD") > len(words) - 1 - words[::-1].index("USER")

    def test_health_check_asks_healthz(self) -> None:
        command = " ".join(healthcheck_command())
        assert "/healthz" in command

    def test_starts_with_migrate_then_several_workers(self) -> None:
        script = start_command()[-1]
        migrate, serve = script.split("&&")
        assert migrate.split() == ["safeyard", "migrate"]
        assert "safeyard serve" in serve and "--workers" in serve
        assert int(image_env()["WEB_CONCURRENCY"]) >= 2
        for used in re.findall(r"\bsafeyard ([a-z][a-z-]*)", script):
            assert used in cli_commands(), f"the Dockerfile runs 'safeyard {used}', no such command"

    def test_installs_what_system_deps_installs(self) -> None:
        """WeasyPrint's libraries and the fonts of the PDFs: the same as a developer machine."""
        wanted = set()
        for group in re.findall(r"need\+=\(([^)]*)\)", SYSTEM_DEPS.read_text(encoding="utf-8")):
            wanted |= set(group.split())
        installed = set()
        for run in only("RUN"):
            for part in run.split("&&"):
                words = part.split()
                if words[:2] == ["apt-get", "install"]:
                    installed |= {w for w in words[2:] if not w.startswith("-")}
        assert wanted, "scripts/system-deps.sh names no package"
        assert wanted <= installed, f"add to the Dockerfile: {sorted(wanted - installed)}"

    def test_its_debian_packages_exist(self) -> None:
        if shutil.which("apt-cache") is None:
            pytest.skip("no apt-cache on this machine")
        packages = []
        for run in only("RUN"):
            for part in run.split("&&"):
                words = part.split()
                if words[:2] == ["apt-get", "install"]:
                    packages += [w for w in words[2:] if not w.startswith("-")]
        for package in packages:
            shown = subprocess.run(
                ["apt-cache", "show", "--no-all-versions", package],
                capture_output=True,
                text=True,
                check=False,
            )
            assert shown.returncode == 0 and "Package:" in shown.stdout, f"no package {package}"

    def test_copies_what_the_service_reads(self) -> None:
        needed = {"app", "alembic", "alembic.ini", "templates", "static", "data", "pyproject.toml"}
        sources = set()
        for args in only("COPY"):
            sources |= set(args.split()[:-1])
        assert needed <= sources, f"not copied: {sorted(needed - sources)}"
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), f"COPY {source}: no such path"

    def test_dockerignore_keeps_secrets_and_local_data_out(self) -> None:
        ignored = {
            line.strip()
            for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
        assert {".git", ".venv", ".env", "var", "*.db"} <= ignored
        copied = {s for args in only("COPY") for s in args.split()[:-1]}
        assert not copied & ignored, "the Dockerfile copies something .dockerignore leaves out"


@pytest.fixture(scope="module")
def compose() -> dict[str, object]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


class TestCompose:
    def test_postgresql_15_with_health_check_and_volume(self, compose: dict) -> None:  # type: ignore[type-arg]
        db = compose["services"]["db"]
        assert db["image"].startswith("postgres:15")
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])
        volume = db["volumes"][0].split(":")[0]
        assert volume in compose["volumes"]

    def test_app_waits_for_a_healthy_database(self, compose: dict) -> None:  # type: ignore[type-arg]
        app = compose["services"]["app"]
        assert app["build"] == "."
        assert app["depends_on"]["db"]["condition"] == "service_healthy"

    def test_app_settings_come_from_the_environment(self, compose: dict) -> None:  # type: ignore[type-arg]
        env = compose["services"]["app"]["environment"]
        url = env["SAFEYARD_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
        # Secrets are never written in the file: compose refuses to start without them.
        assert re.fullmatch(r"\$\{SAFEYARD_SECRET_KEY:\?[^}]+\}", env["SAFEYARD_SECRET_KEY"])
        assert "${POSTGRES_PASSWORD:?" in url
        assert env["SAFEYARD_REDIS_URL"].startswith("redis://redis:")
        fields = {f"SAFEYARD_{name.upper()}" for name in Settings.model_fields}
        assert {n for n in env if n.startswith("SAFEYARD_")} <= fields, "a setting that is not"

    def test_app_keeps_its_files_in_a_volume(self, compose: dict) -> None:  # type: ignore[type-arg]
        (mount,) = compose["services"]["app"]["volumes"]
        volume, path = mount.split(":")
        assert volume in compose["volumes"]
        assert path == image_env()["SAFEYARD_DATA_DIR"]


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: the image's start command must migrate it."""
    with databases.empty_database(
        tmp_path / "var" / "safeyard.db", prefix="safeyard_docker"
    ) as url:
        yield url


class TestImageCommandsOnThisMachine:
    def test_start_command_migrates_and_serves_with_several_workers(
        self, empty_database: str, tmp_path: Path
    ) -> None:
        env = image_env()
        port = free_port()
        env.update(
            # What compose.yaml or `docker run -e` changes; the rest is the image's.
            SAFEYARD_DATABASE_URL=empty_database,
            SAFEYARD_DATA_DIR=str(tmp_path / "var"),
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
            PORT=str(port),
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        )
        server = Server(empty_database, tmp_path, env=env, command=start_command())
        server.port, server.base = port, f"http://127.0.0.1:{port}"
        server.start(timeout_s=60)
        try:
            self._check_running(server, env, tmp_path)
        finally:
            server.stop()

    @staticmethod
    def _check_running(server: Server, env: dict[str, str], tmp_path: Path) -> None:
        health = httpx.get(server.base + "/healthz").json()
        assert health["status"] == "ok"
        assert health["database"] == make_url(env["SAFEYARD_DATABASE_URL"]).get_backend_name()
        # The image's HEALTHCHECK command, run as Docker would run it.
        probe = subprocess.run(
            healthcheck_command(), env={**os.environ, **env}, timeout=30, check=False
        )
        assert probe.returncode == 0
        # Several workers: distinct processes answered, and /metrics sums all of them.
        sent = 40
        with httpx.Client(base_url=server.base) as client:
            for _ in range(sent):
                assert client.get("/api/v1/checklist").status_code == 200
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) >= 2
        metrics = httpx.get(server.base + "/metrics").text
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("safeyard_http_requests_total{")
            and 'route="/api/v1/checklist"' in line
        )
        assert counted == sent
        log = server.log_tail(200_000)
        assert "database is up to date" in log  # safeyard migrate ran first
        assert any(
            json.loads(line).get("route") == "/api/v1/checklist"
            for line in log.splitlines()
            if line.startswith("{")
        )
