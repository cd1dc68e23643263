"""Behind a reverse proxy (issue 10, item 12): compose.yaml makes the operator name the proxy's
address (no default: `docker compose config` fails with a message saying what to set), and the
served app takes the client's address from X-Forwarded-For only when the request comes from
that address. Checked without a Docker engine: the file is interpolated as Compose does it, and
a real `safeyard serve` is asked through a "proxy" on 127.0.0.2 and directly from 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from app.checklists.loader import ChecklistRegistry
from app.platform.config import PROJECT_ROOT
from tests.reliability.support import Server, fresh_database, running

COMPOSE = PROJECT_ROOT / "compose.yaml"
SECRETS = {
    "POSTGRES_PASSWORD": "abc123",
    "SAFEYARD_SECRET_KEY": "k" * 48,
    "SAFEYARD_PUBLIC_BASE_URL": "https://safeyard.example",
}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a dollar.
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingValue(Exception):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation (compose-spec, "Interpolation") of one value."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op in ("?", ":?") and unset:
            raise MissingValue(f"required variable {name} is missing a value: {arg}")
        if op in ("-", ":-") and unset:
            return arg or ""
        return value or ""

    return VARIABLE.sub(one, text)


def app_environment(env: dict[str, str]) -> dict[str, str]:
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return {k: interpolate(str(v), env) for k, v in services["app"]["environment"].items()}


class TestComposeFile:
    def test_the_trusted_proxy_has_no_default(self) -> None:
        raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["app"]
        assert re.fullmatch(
            r"\$\{SAFEYARD_TRUSTED_PROXY:\?[^}]+\}", raw["environment"]["FORWARDED_ALLOW_IPS"]
        )

    def test_config_fails_without_it_saying_what_to_set(self) -> None:
        with pytest.raises(MissingValue) as missing:
            app_environment(SECRETS)
        assert "SAFEYARD_TRUSTED_PROXY" in str(missing.value)
        assert "docs/OPERATIONS.md" in str(missing.value)
        with pytest.raises(MissingValue):
            app_environment({**SECRETS, "SAFEYARD_TRUSTED_PROXY": ""})

    def test_the_public_address_is_required_naming_it(self) -> None:
        without = {k: v for k, v in SECRETS.items() if k != "SAFEYARD_PUBLIC_BASE_URL"}
        with pytest.raises(MissingValue) as missing:
            app_environment({**without, "SAFEYARD_TRUSTED_PROXY": "172.30.0.1"})
        assert "set SAFEYARD_PUBLIC_BASE_URL" in str(missing.value)
        env = app_environment({**SECRETS, "SAFEYARD_TRUSTED_PROXY": "172.30.0.1"})
        assert env["SAFEYARD_ENV"] == "production"
        assert env["SAFEYARD_PUBLIC_BASE_URL"] == "https://safeyard.example"

    def test_the_address_given_is_what_uvicorn_trusts(self) -> None:
        env = app_environment({**SECRETS, "SAFEYARD_TRUSTED_PROXY": "172.30.0.1"})
        assert env["FORWARDED_ALLOW_IPS"] == "172.30.0.1"

    def test_docker_compose_itself_refuses_when_installed(self, tmp_path: Path) -> None:
        """The real interpolation, where a Compose is installed (Debian's docker-compose 1.x
        knows no top-level `name:`, so it reads a copy without it)."""
        compose = shutil.which("docker-compose")
        if compose is None:
            pytest.skip("no docker-compose here; interpolated by the tests above")
        copy = tmp_path / "compose.yaml"
        text = COMPOSE.read_text(encoding="utf-8")
        copy.write_text(re.sub(r"(?m)^name: .*$", "", text), encoding="utf-8")
        base = {"PATH": "/usr/bin:/bin", **SECRETS}
        refused = subprocess.run(
            [compose, "-f", str(copy), "config"], env=base, capture_output=True, text=True
        )
        assert refused.returncode != 0
        assert "set SAFEYARD_TRUSTED_PROXY" in refused.stderr
        accepted = subprocess.run(
            [compose, "-f", str(copy), "config"],
            env={**base, "SAFEYARD_TRUSTED_PROXY": "172.30.0.1"},
            capture_output=True,
            text=True,
        )
        assert accepted.returncode == 0, accepted.stderr
        assert "FORWARDED_ALLOW_IPS: 172.30.0.1" in accepted.stdout


PROXY = "127.0.0.2"  # the "reverse proxy": a loopback address of its own


def login_posts(base: str, *, source: str, forwarded_for: str, count: int) -> list[int]:
    """POST /login ``count`` times from ``source`` claiming ``forwarded_for`` (the CSRF check
    refuses them; the per-client login limit counts them first)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base, transport=transport, timeout=30) as client:
        return [
            client.post(
                "/login", data={"email": "a@b.kz"}, headers={"X-Forwarded-For": forwarded_for}
            ).status_code
            for _ in range(count)
        ]


class TestForwardedForOnlyFromTheProxy:
    def test_clients_behind_the_proxy_count_apart_and_others_cannot_pretend(
        self, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        with fresh_database(tmp_path, registry) as url:
            server = Server(
                url,
                tmp_path,
                env={"FORWARDED_ALLOW_IPS": PROXY, "SAFEYARD_RATE_LIMIT_LOGIN": "2"},
            )
            with running(server):
                # Through the proxy: each resident is a client of their own.
                first = login_posts(server.base, source=PROXY, forwarded_for="203.0.113.1", count=3)
                assert 429 not in first[:2] and first[2] == 429
                other = login_posts(server.base, source=PROXY, forwarded_for="203.0.113.2", count=1)
                assert other != [429], "another resident behind the proxy was locked out"
                # Straight to the app: X-Forwarded-For is not believed, whatever it says.
                direct = login_posts(
                    server.base, source="127.0.0.1", forwarded_for="203.0.113.3", count=3
                )
                assert 429 not in direct[:2] and direct[2] == 429
                spoofed = login_posts(
                    server.base, source="127.0.0.1", forwarded_for="203.0.113.4", count=1
                )
                assert spoofed == [429], "a made-up X-Forwarded-For escaped the limit"
