"""The resident's flow in a real Chromium at 390x844: online, offline and back, no JavaScript,
language switch, a photo; axe-core finds no serious or critical violation on any page."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import col, func, select

from app.platform.db import Database
from app.submissions.models import Submission
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, axe_violations
from tests.browser.server_faults import count_checklist_posts, refuse_photos_while
from tests.factories import new_location

SCREENSHOTS = Path("/tmp/safeyard-screens")


def stored(db: Database, submission_id: str) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).where(Submission.id == uuid.UUID(submission_id))
        ).one()


def checklist_url(base: str) -> str:
    """The checklist opened at a new location (a yard of its own)."""
    where = new_location()
    return f"{base}/checklist?lat={where['lat']}&lon={where['lon']}&accuracy_m=8"


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def answer_all_sections(page) -> None:  # type: ignore[no-untyped-def]
    """Answer the first option of every question, section by section (JS: one per screen)."""
    sections = page.locator("fieldset.section")
    for index in range(sections.count()):
        section = sections.nth(index)
        section.wait_for(state="visible")
        questions = section.locator("fieldset.question")
        for q in range(questions.count()):
            questions.nth(q).locator("input[type=radio]").first.check()
        next_button = page.locator("[data-action=next]")
        if index < sections.count() - 1 and next_button.count() and next_button.is_visible():
            next_button.click()


def open_checklist(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open the checklist and wait until JavaScript has taken it over."""
    page.goto(url)
    page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")


def wait_for_service_worker(page) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    # The first visit is not controlled yet; a reload puts the page under the worker.
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


class TestOnline:
    def test_fill_and_submit(self, page, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
        open_checklist(page, checklist_url(live_server))
        assert page.locator("fieldset.section").first.is_visible()
        assert page.locator("fieldset.section").nth(1).is_hidden(), "one section per screen"
        total = page.locator("fieldset.section").count()
        # "Раздел 1 из 7": the first section of all of them, in that order.
        assert re.search(rf"\b1\D+{total}\b", page.locator(".progress-text").inner_text())
        answer_all_sections(page)
        submission_id = page.locator("input[name=id]").input_value()
        page.locator("#checklist-form button[type=submit]").click()
        page.wait_for_url(f"**/result/{submission_id}")
        assert page.locator(".risk-index").first.is_visible()
        shoot(page, "result")
        assert stored(db, submission_id) == 1

    def test_answers_survive_closing_the_tab(self, context, live_server: str) -> None:  # type: ignore[no-untyped-def]
        page = context.new_page()
        url = checklist_url(live_server)
        open_checklist(page, url)
        first = page.locator("fieldset.question input[type=radio]").first
        first.check()
        name, value = first.get_attribute("name"), first.get_attribute("value")
        page.close()
        again = context.new_page()
        open_checklist(again, url)
        assert again.locator(f"input[name='{name}'][value='{value}']").is_checked()


class TestOffline:
    def test_offline_submission_is_sent_once_when_back_online(  # type: ignore[no-untyped-def]
        self, context, page, live_server: str, db: Database
    ) -> None:
        open_checklist(page, checklist_url(live_server))
        wait_for_service_worker(page)
        context.set_offline(True)
        page.reload()
        page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
        answer_all_sections(page)
        submission_id = page.locator("input[name=id]").input_value()
        page.locator("#checklist-form button[type=submit]").click()
        page.locator("#queued").wait_for(state="visible")
        status = page.locator("#queue-status")
        status.wait_for(state="visible")
        assert "1" in status.inner_text()
        shoot(page, "offline-saved")
        page.reload()  # the queue survives a reload
        page.locator("#queue-status").wait_for(state="visible")
        assert "1" in page.locator("#queue-status").inner_text()
        assert stored(db, submission_id) == 0
        context.set_offline(False)
        for _ in range(150):  # sent by the online event, the timer or Background Sync
            if stored(db, submission_id):
                break
            page.wait_for_timeout(200)
        assert stored(db, submission_id) == 1
        page.reload()
        page.wait_for_timeout(1000)
        assert stored(db, submission_id) == 1, "sent exactly once"


class TestWithoutJavaScript:
    def test_plain_form_post_shows_the_result(  # type: ignore[no-untyped-def]
        self, browser, live_server: str, db: Database
    ) -> None:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        page.goto(checklist_url(live_server))
        assert page.locator("fieldset.section").nth(2).is_visible(), "all sections show"
        for question in page.locator("fieldset.question").all():
            question.locator("input[type=radio]").first.check()
        submission_id = page.locator("input[name=id]").input_value()
        page.locator("#checklist-form button[type=submit]").click()
        page.wait_for_url(f"**/result/{submission_id}")
        assert page.locator(".risk-index").first.is_visible()
        assert stored(db, submission_id) == 1
        context.close()


class TestLanguage:
    def test_switch_is_remembered(self, page, live_server: str) -> None:  # type: ignore[no-untyped-def]
        page.goto(live_server + "/")
        assert page.locator("html").get_attribute("lang") == "ru"
        page.locator(".lang-switch a[hreflang=kk]").click()
        page.wait_for_url("**lang=kk")
        assert page.locator("html").get_attribute("lang") == "kk"
        page.goto(live_server + "/yard/find")
        assert page.locator("html").get_attribute("lang") == "kk"
        assert any(ch in page.locator("main").inner_text() for ch in "әғқңөұүһі")
        shoot(page, "find-kk")


class TestPhoto:
    def test_a_photo_goes_with_the_submission(  # type: ignore[no-untyped-def]
        self, page, live_server: str, db: Database, tmp_path: Path
    ) -> None:
        photo = tmp_path / "yard.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (800, 600), (40, 90, 60)).save(buffer, "JPEG")
        photo.write_bytes(buffer.getvalue())
        open_checklist(page, checklist_url(live_server))
        first_question = page.locator("fieldset.question").first
        extra = first_question.locator("details.item-extra")
        if extra.count():
            extra.locator("summary").click()
        first_question.locator("input[type=file]").set_input_files(str(photo))
        answer_all_sections(page)
        submission_id = page.locator("input[name=id]").input_value()
        page.locator("#checklist-form button[type=submit]").click()
        page.wait_for_url(f"**/result/{submission_id}")
        from app.photos.service import photos_for

        def photo_count() -> int:
            with db.session() as session:
                return len(photos_for(session, submission_id=uuid.UUID(submission_id)))

        for _ in range(50):
            if photo_count():
                break
            page.wait_for_timeout(200)
        assert photo_count() == 1


QUEUE_ENTRIES = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("safeyard");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const rows = await new Promise((resolve, reject) => {
    const request = db.transaction("queue").objectStore("queue").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return rows.map((e) => ({ id: e.id, state: e.state, token: e.upload_token || null,
                            photos: e.photos.length }));
}"""


def photos_stored(db: Database, ids: list[str]) -> dict[str, int]:
    from app.photos.models import Photo

    wanted = [uuid.UUID(i) for i in ids]
    with db.session() as session:
        rows = session.exec(select(Photo.submission_id).where(col(Photo.submission_id).in_(wanted)))
        found = [str(r) for r in rows]
    return {i: found.count(i) for i in ids}


def submissions_stored(db: Database, ids: list[str]) -> dict[str, int]:
    with db.session() as session:
        rows = session.exec(
            select(Submission.id).where(col(Submission.id).in_([uuid.UUID(i) for i in ids]))
        )
        found = [str(r) for r in rows]
    return {i: found.count(i) for i in ids}


def fill_with_photo(page, photo: Path) -> str:  # type: ignore[no-untyped-def]
    """Fill the open checklist with a photo on its first question and send it; its id."""
    first_question = page.locator("fieldset.question").first
    extra = first_question.locator("details.item-extra")
    if extra.count():
        extra.locator("summary").click()
    first_question.locator("input[type=file]").set_input_files(str(photo))
    answer_all_sections(page)
    submission_id: str = page.locator("input[name=id]").input_value()
    page.locator("#checklist-form button[type=submit]").click()
    page.locator("#queued").wait_for(state="visible")
    return submission_id


class TestOfflineQueueAcrossRestarts:
    """20 checklists with photos filled offline; the browser restarts (a new context on the
    same profile); online, the checklists go first and hand out their upload tokens, which
    wait in IndexedDB with the photos across a second restart; each is stored exactly once.

    The faults are the server's, switched before each start: the service worker's Background
    Sync sends the queue as the browser starts, before any page and before a Playwright route
    set after the start could catch it (tests/browser/test_queue_restart.py)."""

    COUNT = 20

    def test_twenty_checklists_with_photos(  # type: ignore[no-untyped-def]
        self, browser, live_server: str, db: Database, tmp_path: Path, monkeypatch
    ) -> None:
        photos_busy = refuse_photos_while(monkeypatch)
        checklist_posts = count_checklist_posts(monkeypatch)
        photo = tmp_path / "yard.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), (90, 60, 40)).save(buffer, "JPEG")
        photo.write_bytes(buffer.getvalue())
        profile = tmp_path / "profile"

        def start():  # type: ignore[no-untyped-def]
            return browser.browser_type.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                viewport=PHONE,
                locale="ru-RU",
                service_workers="allow",
            )

        url = checklist_url(live_server)
        first = start()
        page = first.pages[0] if first.pages else first.new_page()
        open_checklist(page, url)
        wait_for_service_worker(page)
        first.set_offline(True)
        ids = []
        for _ in range(self.COUNT):
            page.goto(url)
            page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
            ids.append(fill_with_photo(page, photo))
        assert len(set(ids)) == self.COUNT
        queued = page.evaluate(QUEUE_ENTRIES)
        assert sorted(e["id"] for e in queued) == sorted(ids)
        assert all(e["state"] == "waiting" and e["photos"] == 1 for e in queued)
        first.close()  # the browser quits with everything still on the phone
        assert set(submissions_stored(db, ids).values()) == {0}

        # Second start, online, but the server turns the photos away (503): the checklists go,
        # with tokens. Switched on before the start, so the worker's first sends meet it too.
        photos_busy.set()
        second = start()
        page = second.pages[0] if second.pages else second.new_page()
        page.goto(live_server + "/")
        for _ in range(300):
            if set(submissions_stored(db, ids).values()) == {1}:
                break
            page.wait_for_timeout(200)
        assert set(submissions_stored(db, ids).values()) == {1}
        assert len(checklist_posts) >= self.COUNT, "the server's record of the POSTs works"
        for _ in range(50):
            queued = page.evaluate(QUEUE_ENTRIES)
            if all(e["token"] for e in queued):
                break
            page.wait_for_timeout(200)
        assert sorted(e["id"] for e in queued) == sorted(ids)
        assert all(e["state"] == "photos" and e["token"] and e["photos"] == 1 for e in queued)
        assert set(photos_stored(db, ids).values()) == {0}
        second.close()

        # Third start: the photos follow with the tokens kept in IndexedDB.
        photos_busy.clear()
        checklist_posts.clear()
        third = start()
        page = third.pages[0] if third.pages else third.new_page()
        page.goto(live_server + "/")
        for _ in range(600):
            if set(photos_stored(db, ids).values()) == {1}:
                break
            page.wait_for_timeout(200)
        assert photos_stored(db, ids) == {i: 1 for i in ids}
        assert checklist_posts == [], "the photos went with the kept tokens, not a new POST"
        # The entry goes once the photo's answer is read: a moment after the server has it.
        for _ in range(50):
            if page.evaluate(QUEUE_ENTRIES) == []:
                break
            page.wait_for_timeout(200)
        page.reload()
        assert page.evaluate(QUEUE_ENTRIES) == []
        assert submissions_stored(db, ids) == {i: 1 for i in ids}
        assert photos_stored(db, ids) == {i: 1 for i in ids}
        third.close()


@pytest.mark.parametrize(
    "path", ["/", "/yard/find", "/checklist", "/yard/find?q=а", "/offline", "/?lang=kk"]
)
def test_no_serious_accessibility_violations(page, live_server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + path)
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["help"], len(v["nodes"])) for v in violations]
    shoot(page, "page" + path.replace("/", "_").replace("?", "_"))


def test_result_and_yard_pages_are_accessible(page, live_server: str, db: Database) -> None:  # type: ignore[no-untyped-def]
    open_checklist(page, checklist_url(live_server))
    answer_all_sections(page)
    submission_id = page.locator("input[name=id]").input_value()
    page.locator("#checklist-form button[type=submit]").click()
    page.wait_for_url(f"**/result/{submission_id}")
    assert not axe_violations(page)
    page.locator("a[href^='/yards/']").first.click()
    page.wait_for_url("**/yards/*")
    assert not axe_violations(page)
    shoot(page, "yard")
