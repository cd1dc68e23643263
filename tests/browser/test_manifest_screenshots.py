"""The manifest's screenshots are the app as it is: captured here in Chromium at 390x844
(narrow: the checklist with "All fine here" used) and 1440x900 (wide: the home page), in ru, kk
and en, then made small with Pillow (a 256-colour palette). Run with
SAFEYARD_CAPTURE_SCREENSHOTS=1 to capture them again after the pages change."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from PIL import Image

from app.channels.pwa.app_shell import SCREENSHOTS
from app.platform.templating import STATIC
from tests.factories import new_location

FOLDER = STATIC / "screenshots"
SIZES = {"narrow": (390, 844), "wide": (1440, 900)}


def small_png(raw: bytes) -> bytes:
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.mark.skipif(
    not os.environ.get("SAFEYARD_CAPTURE_SCREENSHOTS"),
    reason="captures the manifest's screenshots on request only",
)
@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_capture(browser: Any, live_server: str, lang: str) -> None:
    for page_name, form, _sizes, _label in SCREENSHOTS:
        width, height = SIZES[form]
        context = browser.new_context(
            viewport={"width": width, "height": height},
            has_touch=form == "narrow",
            is_mobile=form == "narrow",
            locale="ru-RU",
            service_workers="block",
        )
        page = context.new_page()
        if page_name == "checklist":
            where = new_location("alatau")
            page.goto(
                f"{live_server}/checklist?lat={where['lat']}&lon={where['lon']}"
                f"&accuracy_m=8&lang={lang}"
            )
            page.locator("#checklist-form[data-enhanced]").wait_for(state="attached")
            page.locator("[data-action=next]").click()
            page.locator("fieldset.section:visible [data-action=all-fine]").click()
            page.evaluate("scrollTo(0, 0)")
        else:
            page.goto(f"{live_server}/?lang={lang}")
        page.wait_for_timeout(300)
        raw = page.screenshot(full_page=False)
        (FOLDER / f"{page_name}-{lang}-{form}.png").write_bytes(small_png(raw))
        context.close()
