""" "My checklists" and the result of a checklist sent from the offline queue, in a real
Chromium at 390x844: filled and sent offline, the connection returns, the bar names the result
with its index and links to it until dismissed, the list on the phone shows it (new until
opened), a result once seen opens offline; kk and ru; axe clean in ru/kk/en, light and dark.
Screenshots in /tmp/safeyard-screens/mine-*.png for a person to look at."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from app.platform.db import Database
from tests.browser.conftest import PHONE, axe_violations
from tests.browser.test_resident_flow import (
    answer_all_sections,
    checklist_url,
    open_checklist,
    shoot,
    stored,
    wait_for_service_worker,
)

# "62" or "62,3" / "62.3": the index as both the bar and the list write it.
INDEX = re.compile(r"\d+(?:[.,]\d)?")
SENT_RECORDS = """async () => {
  const queue = await import(document.body.dataset.jsQueue);
  return await queue.sentList();
}"""


def send_offline(context, page, url: str) -> str:  # type: ignore[no-untyped-def]
    """Fill the checklist with no connection and send it: it waits in the queue; its id."""
    open_checklist(page, url)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
    answer_all_sections(page)
    submission_id = page.locator("input[name=id]").input_value()
    page.locator("#checklist-form button[type=submit]").click()
    page.locator("#queued").wait_for(state="visible")
    return str(submission_id)


def wait_stored(page, db: Database, submission_id: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(150):  # the online event, the timer or Background Sync
        if stored(db, submission_id):
            return
        page.wait_for_timeout(200)
    assert stored(db, submission_id) == 1


def wait_for_list(page) -> None:  # type: ignore[no-untyped-def]
    # A selector, not wait_for_function: the page's CSP forbids the eval that one polls with.
    page.locator("html[data-mine='ready']").wait_for(state="attached")


def result_link(submission_id: str) -> str:
    return f"#queue-status a[href='/result/{submission_id}']"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_sent_offline_then_the_result_is_named_listed_and_kept(  # type: ignore[no-untyped-def]
    browser, live_server: str, db: Database, lang: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="allow")
    page = context.new_page()
    submission_id = send_offline(context, page, f"{checklist_url(live_server)}&lang={lang}")
    assert stored(db, submission_id) == 0
    context.set_offline(False)
    wait_stored(page, db, submission_id)

    # The bar names the result with its index and keeps it: no 5-second "all sent" any more.
    link = page.locator(result_link(submission_id))
    link.wait_for(state="visible")
    bar = page.locator("#queue-status").inner_text()
    assert INDEX.search(bar), bar
    page.wait_for_timeout(6000)
    assert link.is_visible(), "the message stays until dismissed"
    assert page.locator("#queue-status a[href='/mine']").is_visible()
    shoot(page, f"mine-bar-{lang}")

    link.click()
    page.wait_for_url(f"**/result/{submission_id}")
    on_result = page.locator(".risk-number").first.inner_text()
    assert page.evaluate("document.documentElement.lang") == lang
    # Opened: no longer announced on the next page.
    page.goto(f"{live_server}/mine")
    wait_for_list(page)
    assert page.locator("#queue-status").is_hidden()
    item = page.locator(f".mine-item[data-id='{submission_id}']")
    assert item.locator(".mine-index").inner_text() == on_result
    assert item.locator(".band").is_visible()
    assert item.locator(".mine-badge").count() == 0, "seen: no longer new"
    assert item.locator(f"a[href='/result/{submission_id}']").is_visible()
    shoot(page, f"mine-list-{lang}")

    # A result once seen opens with no connection, from this phone's own storage.
    context.set_offline(True)
    page.goto(f"{live_server}/result/{submission_id}")
    assert page.locator(".risk-number").first.inner_text() == on_result
    shoot(page, f"mine-result-offline-{lang}")
    page.goto(f"{live_server}/mine")
    wait_for_list(page)
    listed = page.locator(f".mine-item[data-id='{submission_id}'] .mine-index")
    assert listed.inner_text() == on_result
    context.set_offline(False)
    page.reload()
    page.wait_for_timeout(500)
    assert stored(db, submission_id) == 1, "stored exactly once"
    context.close()


def test_unopened_result_is_new_on_the_next_visit(  # type: ignore[no-untyped-def]
    browser, live_server: str, db: Database
) -> None:
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="allow")
    page = context.new_page()
    submission_id = send_offline(context, page, checklist_url(live_server))
    page.close()  # the resident leaves before the connection returns
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server}/")
    wait_stored(page, db, submission_id)
    page.locator(result_link(submission_id)).wait_for(state="visible")
    page.close()

    # Next visit: the bar still names it; the list marks it new until it is opened.
    page = context.new_page()
    page.goto(f"{live_server}/mine")
    wait_for_list(page)
    item = page.locator(f".mine-item[data-id='{submission_id}']")
    assert item.locator(".mine-badge").is_visible()
    # The bar is drawn by its own script once the queue is read: wait for it, not the list.
    page.locator(result_link(submission_id)).wait_for(state="visible")
    page.locator("#queue-status button").click()  # OK: the only button in the bar now
    page.locator("#queue-status").wait_for(state="hidden")
    page.reload()
    wait_for_list(page)
    assert page.locator("#queue-status").is_hidden(), "dismissed for good"
    assert item.locator(".mine-badge").is_visible(), "still new: not opened yet"
    records = page.evaluate(SENT_RECORDS)
    assert [r["id"] for r in records] == [submission_id], "listed once"
    assert stored(db, submission_id) == 1
    context.close()


def test_a_result_not_seen_is_not_kept(browser, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
    """Only pages opened on this phone are kept: another result's link, offline, gets the
    offline page."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="allow")
    page = context.new_page()
    open_checklist(page, checklist_url(live_server))
    wait_for_service_worker(page)
    context.set_offline(True)
    page.goto(f"{live_server}/result/00000000-0000-4000-8000-000000000000")
    assert page.locator(".risk-number").count() == 0
    assert page.locator("main a[href='/checklist']").count() == 1, "the offline page"
    context.close()


def test_forget_removes_the_link_and_the_copy(browser, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="allow")
    page = context.new_page()
    open_checklist(page, checklist_url(live_server))
    wait_for_service_worker(page)
    answer_all_sections(page)
    submission_id = page.locator("input[name=id]").input_value()
    page.locator("#checklist-form button[type=submit]").click()
    page.wait_for_url(f"**/result/{submission_id}")
    page.goto(f"{live_server}/mine")
    wait_for_list(page)
    item = page.locator(f".mine-item[data-id='{submission_id}']")
    assert item.locator(".mine-badge").count() == 0, "sent online and opened at once"
    page.once("dialog", lambda dialog: dialog.accept())
    item.locator("button").click()
    item.wait_for(state="detached")
    kept = page.evaluate(
        "async (id) => !!(await (await caches.open('safeyard-results')).match('/result/' + id))",
        submission_id,
    )
    assert not kept
    context.close()


def populated(browser, live_server: str, scheme: str):  # type: ignore[no-untyped-def]
    """A phone with one result, one checklist waiting and one draft."""
    context = browser.new_context(
        viewport=PHONE, locale="ru-RU", service_workers="allow", color_scheme=scheme
    )
    page = context.new_page()
    open_checklist(page, checklist_url(live_server))
    wait_for_service_worker(page)
    answer_all_sections(page)
    submission_id = page.locator("input[name=id]").input_value()
    page.locator("#checklist-form button[type=submit]").click()
    page.wait_for_url(f"**/result/{submission_id}")
    context.set_offline(True)
    send_offline_here = checklist_url(live_server)
    open_checklist(page, send_offline_here)
    answer_all_sections(page)
    page.locator("#checklist-form button[type=submit]").click()
    page.locator("#queued").wait_for(state="visible")
    open_checklist(page, checklist_url(live_server))
    page.locator("fieldset.question input[type=radio]").first.check()
    page.wait_for_timeout(300)  # the draft is saved as the resident goes
    return context, page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_list_is_accessible(browser, live_server: str, scheme: str) -> None:  # type: ignore[no-untyped-def]
    context, page = populated(browser, live_server, scheme)
    for lang in ("ru", "kk", "en"):
        page.goto(f"{live_server}/mine?lang={lang}")  # offline: the page kept by the worker
        wait_for_list(page)
        for name in ("sent", "waiting", "drafts"):
            assert page.locator(f"[data-list='{name}'] li").count() == 1, (lang, name)
        violations = axe_violations(page)
        assert not violations, [(v["id"], v["help"], len(v["nodes"])) for v in violations]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shoot(page, f"mine-full-{lang}-{scheme}")
    context.close()


def test_without_javascript_it_says_where_the_list_lives(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/mine?lang=ru")
    notice = page.locator("#mine-needs-script")
    assert notice.is_visible()
    assert "браузере" in notice.inner_text()
    assert page.locator("#mine").is_hidden()
    assert urlsplit(page.url).path == "/mine"
    context.close()


def test_the_notice_is_accessible_when_the_script_does_not_load(  # type: ignore[no-untyped-def]
    browser, live_server: str
) -> None:
    # axe needs JavaScript in the page: the same notice, with the list's script refused.
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    page = context.new_page()
    page.route("**/static/js/mine.js*", lambda route: route.abort())
    page.goto(f"{live_server}/mine?lang=kk")
    assert page.locator("#mine-needs-script").is_visible()
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["help"], len(v["nodes"])) for v in violations]
    context.close()


def test_a_lost_answer_is_stored_and_listed_once(  # type: ignore[no-untyped-def]
    browser, live_server: str, db: Database
) -> None:
    """The server stores the checklist but its answer is lost: the checklist waits, the queue's
    retry gets the replay (200) naming the same result; listed once, stored once."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="block")
    page = context.new_page()
    answers = []

    def lose_first(route) -> None:  # type: ignore[no-untyped-def]
        response = route.fetch()  # reaches the server: stored
        answers.append(response.status)
        if len(answers) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/submissions*", lose_first)
    open_checklist(page, checklist_url(live_server))
    answer_all_sections(page)
    submission_id = page.locator("input[name=id]").input_value()
    page.locator("#checklist-form button[type=submit]").click()
    page.locator("#queued").wait_for(state="visible")
    assert stored(db, submission_id) == 1, "stored, though the phone does not know it"
    page.locator(result_link(submission_id)).wait_for(state="visible", timeout=60_000)
    assert answers[:2] == [201, 200]
    assert stored(db, submission_id) == 1
    assert [r["id"] for r in page.evaluate(SENT_RECORDS)] == [submission_id]
    context.close()
