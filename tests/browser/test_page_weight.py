"""The checklist page on first load transfers at most 100 KB compressed (map library and
tiles aside); docs/PERFORMANCE.md records the figure and how it was measured."""

from __future__ import annotations

from tests.browser.test_resident_flow import checklist_url

BUDGET_BYTES = 100 * 1024


def test_checklist_first_load_is_light(context, live_server: str) -> None:  # type: ignore[no-untyped-def]
    # The service worker's background precache is not part of the page's load.
    page = context.new_page()
    transferred: dict[str, int] = {}

    def record(response) -> None:  # type: ignore[no-untyped-def]
        url = response.url
        if "/vendor/leaflet/" in url or "tile.openstreetmap.org" in url:
            return
        sizes = response.request.sizes()
        transferred[url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page.on("response", record)
    page.goto(checklist_url(live_server), wait_until="networkidle")
    total = sum(transferred.values())
    print(f"checklist first load: {total / 1024:.1f} KB in {len(transferred)} responses")
    for url, size in sorted(transferred.items(), key=lambda kv: -kv[1]):
        print(f"  {size / 1024:6.1f} KB  {url.replace(live_server, '')}")
    assert total <= BUDGET_BYTES, transferred
