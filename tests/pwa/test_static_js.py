"""static/js: every module is loaded from somewhere and every import resolves; the interface
strings come from the page; nothing is fetched from another site but the map tiles."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from app.platform.templating import STATIC, TEMPLATES

JS = sorted((STATIC / "js").glob("*.js"))
NODE = shutil.which("node")
# The only other hosts: OpenStreetMap's tiles, and its copyright page the attribution links to.
# t.me and wa.me: only Telegram's and WhatsApp's share links, links the resident follows
# to send the yard's public page to a chat (nothing is loaded from them).
SHARE_LINKS = {"t.me": "/share/url?", "wa.me": "/?text="}
ALLOWED_HOSTS = {"tile.openstreetmap.org", "www.openstreetmap.org", *SHARE_LINKS}
IMPORT = re.compile(r"""(?:\bimport\s*\(\s*|\bfrom\s+|\bimport\s+)["']([^"']+)["']""")
URL = re.compile(r"""(?:https?:)?//([a-z0-9.-]+\.[a-z]{2,})(/[^\s"'`<>)]*)?""", re.IGNORECASE)


class BodyData(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.msgids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "body":
            self.data = {k: v or "" for k, v in found.items() if k.startswith("data-")}
        if found.get("data-msgid"):
            self.msgids.append(found["data-msgid"] or "")


def body_of(client: TestClient, path: str = "/") -> BodyData:
    parser = BodyData()
    parser.feed(client.get(path).text)
    return parser


class TestModules:
    def test_each_module_is_loaded_by_the_pages_or_the_worker(self, client: TestClient) -> None:
        hooks = body_of(client).data
        script = client.get("/sw.js").text
        page = client.get("/").text
        for path in JS:
            url = f"/static/js/{path.name}?v="
            assert url in page or url in script, f"{path.name} is never loaded"
        for key, url in hooks.items():
            if key.startswith(("data-js-", "data-leaflet-")):
                response = client.get(url)
                assert response.status_code == 200, (key, url)
                assert "immutable" in response.headers["cache-control"]

    @pytest.mark.parametrize("path", JS, ids=lambda p: p.name)
    def test_static_imports_resolve(self, client: TestClient, path: object) -> None:
        source = path.read_text()  # type: ignore[attr-defined]
        base = f"/static/js/{path.name}"  # type: ignore[attr-defined]
        for specifier in IMPORT.findall(source):
            url = urljoin(base, specifier)
            assert client.get(url).status_code == 200, (path, specifier)

    def test_modules_hand_over_hooks_the_page_has(self, client: TestClient) -> None:
        hooks = body_of(client).data
        app_js = (STATIC / "js" / "app.js").read_text()
        for key in re.findall(r'moduleUrl\("(\w+)"', app_js):
            attribute = "data-" + re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), key)
            assert attribute in hooks, attribute

    @pytest.mark.skipif(NODE is None, reason="node is not installed")
    @pytest.mark.parametrize("path", JS, ids=lambda p: p.name)
    def test_is_valid_javascript(self, path: object) -> None:
        result = subprocess.run(
            [NODE, "--input-type=module", "--check"],
            input=path.read_text(),  # type: ignore[attr-defined]
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


# Scripts that one page loads for itself, with its own strings beside base.html's.
PAGE_SCRIPTS = {"mine.js": "/mine"}


def shown_strings(path: object) -> set[str]:
    return set(re.findall(r'\bt\(\s*"([^"]+)"', path.read_text()))  # type: ignore[attr-defined]


class TestStrings:
    @pytest.mark.parametrize("name", sorted(PAGE_SCRIPTS))
    def test_a_page_script_finds_its_strings_in_its_page(
        self, client: TestClient, name: str
    ) -> None:
        page = PAGE_SCRIPTS[name]
        assert f"/static/js/{name}?v=" in client.get(page).text, "the page loads its script"
        used = shown_strings(STATIC / "js" / name)
        assert used, "the script shows strings"
        missing = used - set(body_of(client, page).msgids)
        assert not missing, sorted(missing)

    def test_every_string_the_scripts_show_is_in_the_page(self, client: TestClient) -> None:
        msgids = set(body_of(client).msgids)
        used = set()
        for path in JS:
            if path.name not in PAGE_SCRIPTS:
                used |= shown_strings(path)
        used |= set(re.findall(r'return "([^"]+)";', (STATIC / "js" / "app.js").read_text()))
        assert used, "the scripts show strings"
        assert used <= msgids, sorted(used - msgids)

    def test_strings_are_translated_in_the_page(self, client: TestClient) -> None:
        page = client.get("/?lang=kk").text
        assert '<template id="i18n-strings">' in page


class TestNoOtherSites:
    def test_scripts_and_templates_name_no_other_host(self) -> None:
        files = JS + sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.js"))
        for path in files:
            for host, rest in URL.findall(path.read_text()):
                assert host.lower() in ALLOWED_HOSTS, f"{path}: {host}"
                if host.lower() == "www.openstreetmap.org":
                    assert rest == "/copyright", f"{path}: {host}{rest}"
                if host.lower() in SHARE_LINKS:
                    assert rest.startswith(SHARE_LINKS[host.lower()]), f"{path}: {host}{rest}"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
class TestQueueTiming:
    """The back-off and Retry-After rules, run by node on queue.js itself."""

    def run(self, expression: str) -> object:
        module = (STATIC / "js" / "queue.js").as_uri()
        code = (
            f"const q = await import({json.dumps(module)});"
            f"console.log(JSON.stringify({expression})); process.exit(0);"
        )
        result = subprocess.run(
            [NODE, "--input-type=module", "-e", code], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def test_backoff_grows_to_fifteen_minutes(self) -> None:
        delays = self.run("[1,2,3,4,5,6,7,10].map((n) => q.backoffDelay(n, null, () => 0.5))")
        assert delays == [5, 15, 45, 135, 405, 900, 900, 900]

    def test_backoff_has_jitter_within_ten_percent(self) -> None:
        low, high = self.run("[q.backoffDelay(2, null, () => 0), q.backoffDelay(2, null, () => 1)]")
        assert low == pytest.approx(13.5) and high == pytest.approx(16.5)

    def test_retry_after_is_honoured(self) -> None:
        seconds, date, longer = self.run(
            "[q.backoffDelay(1, 120, () => 0.5),"
            " q.parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT',"
            "   Date.parse('2026-10-21T07:28:00Z')),"
            " q.backoffDelay(1, q.parseRetryAfter('30'), () => 0.5)]"
        )
        assert seconds == 120 and date == 30 and longer == 30

    def test_what_is_retried(self) -> None:
        codes = [400, 404, 408, 409, 413, 422, 425, 429, 500, 502, 503]
        retried = self.run(f"{codes}.filter(q.isRetryable)")
        assert retried == [408, 425, 429, 500, 502, 503]
