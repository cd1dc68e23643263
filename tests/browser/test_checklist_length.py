"""The checklist for a hurried resident (issue 18, point 4), in Chromium at 390x844 with touch:
taps, swipes and a modelled completion time answering every question one by one ("before")
and with "All fine here" per section ("after"); the shortcut fills only the safest answers,
never "does not apply", marks them until the resident taps them, and the submission carries
exactly the answers on the screen. Figures: docs/CHECKLIST.md (printed with -s)."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.platform.db import Database
from app.submissions.models import Submission
from tests.browser.conftest import PHONE, axe_violations
from tests.factories import new_location

TOUCH_PHONE = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "locale": "ru-RU"}
# A thumb flick moves about half of an 844 px screen.
SWIPE_PX = 420
# The time model (seconds): reading a question and its options, a tap, a swipe, a glance at an
# answer "All fine here" proposed. static/js/checklist-review.js SECONDS_PER_QUESTION follows it.
READ_S, TAP_S, SWIPE_S, REVIEW_S = 4.0, 1.0, 0.8, 1.5


# The least scrolling that shows the element whole (with a small margin); the distance moved.
SCROLL_TO = """(el) => {
  const box = el.getBoundingClientRect(), before = scrollY, margin = 16;
  if (box.bottom > innerHeight - margin) scrollBy(0, box.bottom - innerHeight + margin);
  else if (box.top < margin) scrollBy(0, box.top - margin);
  return Math.abs(scrollY - before);
}"""


@dataclass
class Meter:
    """What a resident's thumb does: taps, and the scrolling needed to reach each tap."""

    page: Any
    taps: int = 0
    scrolled_px: float = 0.0
    read: int = 0
    reviewed: int = 0
    started: float = field(default_factory=time.perf_counter)

    def tap(self, locator: Any) -> None:
        self.reach(locator)
        locator.tap()
        self.taps += 1

    def reach(self, locator: Any) -> None:
        """Scroll as a thumb does, just enough to bring ``locator`` on screen; count it."""
        self.scrolled_px += locator.evaluate(SCROLL_TO)

    @property
    def swipes(self) -> int:
        return math.ceil(self.scrolled_px / SWIPE_PX)

    @property
    def modelled_s(self) -> float:
        return (
            self.read * READ_S
            + self.reviewed * REVIEW_S
            + self.taps * TAP_S
            + self.swipes * SWIPE_S
        )

    def figures(self) -> dict[str, float]:
        return {
            "taps": self.taps,
            "swipes": self.swipes,
            "scrolled_px": round(self.scrolled_px),
            "modelled_s": round(self.modelled_s),
            "run_s": round(time.perf_counter() - self.started, 1),
        }


@pytest.fixture
def phone(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(**TOUCH_PHONE, service_workers="block")
    page = context.new_page()
    yield page
    context.close()


def open_checklist(page: Any, base: str, lang: str = "ru") -> None:
    where = new_location("nauryzbay")
    page.goto(f"{base}/checklist?lat={where['lat']}&lon={where['lon']}&accuracy_m=8&lang={lang}")
    page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")


def on_screen(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(Array.from(
             document.querySelectorAll('#checklist-form input[type=radio]:checked'),
             (r) => [r.name.slice(7), r.value]))"""
    )


def send(meter: Meter, page: Any, db: Database) -> dict[str, Any]:
    answers = on_screen(page)
    submission_id = page.locator("input[name=id]").input_value()
    meter.tap(page.locator("#checklist-form button[type=submit]"))
    page.wait_for_url(f"**/result/{submission_id}")
    with db.session() as session:
        stored = session.get(Submission, uuid.UUID(submission_id))
    assert stored is not None
    assert stored.answers == answers, "the submission carries exactly the answers on the screen"
    return answers


def answer_one_by_one(meter: Meter, page: Any) -> None:
    """Before: every question read and tapped (the safest answer, or the first one)."""
    sections = page.locator("fieldset.section")
    for index in range(sections.count()):
        section = sections.nth(index)
        section.wait_for(state="visible")
        for question in section.locator("fieldset.question").all():
            safe = question.locator("input[data-safe]")
            option = safe if safe.count() else question.locator("input[type=radio]").first
            meter.read += 1
            meter.tap(option.locator("xpath=.."))
        if index < sections.count() - 1:
            meter.tap(page.locator("[data-action=next]"))


def answer_with_all_fine(meter: Meter, page: Any, corrections: int = 0) -> list[str]:
    """After: "All fine here", a look at each proposed answer, a tap on what it cannot fill;
    ``corrections`` proposed answers changed (the yard is not all fine)."""
    corrected: list[str] = []
    sections = page.locator("fieldset.section")
    for index in range(sections.count()):
        section = sections.nth(index)
        section.wait_for(state="visible")
        shortcut = section.locator("[data-action=all-fine]")
        if shortcut.count():
            meter.tap(shortcut)
        for question in section.locator("fieldset.question").all():
            if "prefilled" in (question.get_attribute("class") or ""):
                meter.reviewed += 1
                meter.reach(question.locator("input:checked").locator("xpath=.."))
                if len(corrected) < corrections:
                    other = question.locator("input[type=radio]:not([data-safe]):not([value=na])")
                    meter.read += 1
                    meter.tap(other.first.locator("xpath=.."))
                    corrected.append(question.get_attribute("data-item") or "")
            else:
                meter.read += 1
                meter.tap(question.locator("input[type=radio]").first.locator("xpath=.."))
        if index < sections.count() - 1:
            meter.tap(page.locator("[data-action=next]"))
    return corrected


class TestLength:
    def test_before_and_after(self, phone: Any, live_server: str, db: Database) -> None:
        page = phone
        open_checklist(page, live_server)
        questions = page.locator("fieldset.question").count()
        before = Meter(page)
        answer_one_by_one(before, page)
        send(before, page, db)

        open_checklist(page, live_server)
        after = Meter(page)
        answer_with_all_fine(after, page)
        answers = send(after, page, db)
        assert "na" not in answers.values(), "the shortcut never says 'does not apply'"

        open_checklist(page, live_server)
        corrected = Meter(page)
        changed = answer_with_all_fine(corrected, page, corrections=5)
        answers = send(corrected, page, db)
        assert len(changed) == 5
        assert all(answers[item] != "na" for item in changed)

        figures = {
            "questions": questions,
            "before": before.figures(),
            "after": after.figures(),
            "after_5_changed": corrected.figures(),
        }
        print("\nchecklist length:", figures)
        assert after.taps < before.taps / 3
        assert after.modelled_s < before.modelled_s / 2
        assert corrected.taps < before.taps / 2


class TestAllFine:
    def test_fills_only_unanswered_safe_answers_marked_and_undoable(
        self, phone: Any, live_server: str
    ) -> None:
        page = phone
        open_checklist(page, live_server)
        section = page.locator("fieldset.section").first
        questions = section.locator("fieldset.question")
        # The resident's own answer stays: the first question answered with its worst option.
        mine = questions.first.locator("input[type=radio]:not([data-safe]):not([value=na])").last
        mine.locator("xpath=..").tap()
        left_before = page.locator("#checklist-time-left").inner_text()
        section.locator("[data-action=all-fine]").tap()
        assert mine.is_checked()
        assert "prefilled" not in (questions.first.get_attribute("class") or "")
        marked = section.locator("fieldset.question.prefilled")
        assert marked.count() == questions.count() - 1
        for question in marked.all():
            assert question.locator("input[data-safe]").is_checked()
            tag = question.locator("input:checked").locator("xpath=..").locator(".prefill-tag")
            assert tag.is_visible() and tag.inner_text() == "предложено"
        unanswered = page.evaluate(
            """() => Array.from(document.querySelectorAll('fieldset.question'))
                 .filter((q) => !q.querySelector('input:checked')).length"""
        )
        left_after = page.locator("#checklist-time-left").inner_text()
        assert f"{round(unanswered * 6 / 60)} мин" in left_after, (left_before, left_after)
        # A tap on a proposed answer (even the same one) makes it the resident's.
        second = marked.first
        item = second.get_attribute("data-item")
        second.locator("input[data-safe]").locator("xpath=..").tap()
        assert "prefilled" not in (
            page.locator(f"[data-item='{item}']").get_attribute("class") or ""
        )
        # The marks survive a reload (the draft keeps them); undo clears only what is still marked.
        page.reload()
        page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
        assert page.locator("fieldset.section").first.locator(".prefilled").count() == (
            questions.count() - 2
        )
        # Every question of the section has an answer now: the shortcut has nothing to propose.
        first = page.locator("fieldset.section").first
        first.locator("[data-action=all-fine]").tap()
        assert (
            first.locator(".all-fine-status").inner_text() == "На все вопросы здесь уже есть ответ."
        )
        assert first.locator("[data-action=undo-all-fine]").is_hidden()

    def test_undo(self, phone: Any, live_server: str) -> None:
        page = phone
        open_checklist(page, live_server)
        section = page.locator("fieldset.section").first
        section.locator("[data-action=all-fine]").tap()
        assert section.locator(".prefilled").count() > 0
        section.locator("[data-action=undo-all-fine]").tap()
        assert section.locator(".prefilled").count() == 0
        assert section.locator("input[type=radio]:checked").count() == 0

    def test_never_fills_an_unscored_question_or_not_applicable(
        self, phone: Any, live_server: str
    ) -> None:
        page = phone
        open_checklist(page, live_server)
        safe_values = page.evaluate(
            "() => Array.from(document.querySelectorAll('input[data-safe]'), (i) => i.value)"
        )
        assert "na" not in safe_values
        unscored = page.locator("[data-item='social.feel_safe_night'] input[data-safe]")
        assert unscored.count() == 0
        # One proposed answer per scored question, at most.
        per_question = page.evaluate(
            """() => Array.from(document.querySelectorAll('fieldset.question'),
                 (q) => q.querySelectorAll('input[data-safe]').length)"""
        )
        assert max(per_question) == 1


HEADER_SHARE = (
    "() => document.querySelector('.site-header').getBoundingClientRect().height / innerHeight"
)


class TestHeader:
    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_compact_on_the_checklist(self, phone: Any, live_server: str, lang: str) -> None:
        page = phone
        page.goto(f"{live_server}/?lang={lang}")
        usual = page.evaluate(HEADER_SHARE)
        open_checklist(page, live_server, lang)
        compact = page.evaluate(HEADER_SHARE)
        print(f"\nheader share {lang}: home {usual:.1%}, checklist {compact:.1%}")
        assert compact <= 0.08
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # The next section starts at its progress bar: the header does not come back each time.
        page.locator("[data-action=next]").tap()
        top = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().bottom")
        assert top <= 0


class TestSmallDefects:
    def test_accuracy_unit_and_change_button_in_kazakh(self, phone: Any, live_server: str) -> None:
        page = phone
        page.goto(f"{live_server}/yard/find?lang=kk")
        page.evaluate(
            """() => localStorage.setItem('safeyard:place', JSON.stringify(
                 {lat: 43.2, lon: 76.9, accuracy_m: 9, chosen_at: new Date().toISOString()}))"""
        )
        page.goto(f"{live_server}/checklist?lang=kk")
        page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
        where = page.locator("#place-summary").inner_text()
        assert "±9\u00a0м" in where, where
        assert " m)" not in where
        # A yard is chosen: the button offers another one, no longer "find my yard".
        assert page.locator("#change-yard").inner_text() == "Басқа ауланы таңдау"

    def test_photo_button_names_the_file(self, phone: Any, live_server: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
        page = phone
        open_checklist(page, live_server)
        question = page.locator("fieldset.question").first
        question.locator("details.item-extra summary").tap()
        button = question.locator(".photo-button")
        assert button.is_visible()
        assert button.bounding_box()["height"] >= 44
        assert (
            question.locator("input[type=file]").evaluate("(i) => i.labels[0].textContent").strip()
        )
        photo = tmp_path / "yard.png"
        photo.write_bytes(
            bytes.fromhex(
                "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
            )
        )
        question.locator("input[type=file]").set_input_files(str(photo))
        assert "yard.png" in question.locator(".photo-name").inner_text()
        # Keyboard users reach it: the input takes focus and shows it on the button.
        question.locator("input[type=file]").focus()
        assert question.locator("input[type=file]").evaluate("(i) => document.activeElement === i")

    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    @pytest.mark.parametrize("scheme", ["light", "dark"])
    def test_checklist_accessible_with_the_shortcut_used(
        self, browser: Any, live_server: str, lang: str, scheme: str
    ) -> None:
        context = browser.new_context(**TOUCH_PHONE, color_scheme=scheme, service_workers="block")
        page = context.new_page()
        open_checklist(page, live_server, lang)
        page.locator("fieldset.section").first.locator("[data-action=all-fine]").tap()
        page.locator("fieldset.question").first.locator("details.item-extra summary").tap()
        violations = axe_violations(page)
        context.close()
        assert not violations, [(v["id"], v["help"], len(v["nodes"])) for v in violations]

    def test_without_javascript_the_photo_input_and_form_still_work(
        self, browser: Any, live_server: str
    ) -> None:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="ru-RU")
        page = context.new_page()
        where = new_location("nauryzbay")
        page.goto(f"{live_server}/checklist?lat={where['lat']}&lon={where['lon']}")
        assert page.locator("[data-action=all-fine]").count() == 0
        page.locator("details.item-extra summary").first.click()
        photo = page.locator("input[type=file]").first
        assert photo.is_visible()
        # Named by its label (axe cannot run where scripts are off).
        label_for = page.locator(f"label[for='{photo.get_attribute('id')}']")
        assert label_for.inner_text().strip().startswith("Фото")
        assert page.locator(".photo-button").first.is_hidden()
        context.close()
