"""The reports write numbers and dates with the one formatter (app/channels/web/formatting.py,
``fmt`` in the templates): no hand-rolled number or date formatting in the reports' code or
templates, so a PDF writes 56,8 and "2026 жылғы 5 желтоқсан" as every page does."""

from __future__ import annotations

import re

from app.platform.config import PROJECT_ROOT

CODE = PROJECT_ROOT / "app" / "channels" / "reports"
TEMPLATES = PROJECT_ROOT / "templates" / "reports"
# svg.py writes drawing coordinates (millimetres in the SVG), never a figure a reader sees.
COORDINATES = {"svg.py"}
HAND_ROLLED_CODE = re.compile(
    r"strftime\(|format_date\(|format_decimal\(|format_percent\(|:\.\d+f\}|%\.\d+f|:,\}"
)
HAND_ROLLED_TEMPLATE = re.compile(r"\|\s*(format|round)\b|%\.\d+f|strftime")


def test_no_hand_rolled_formatting_in_the_reports() -> None:
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(CODE.glob("*.py"))
        if path.name not in COORDINATES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_ROLLED_CODE.search(line)
    ]
    found += [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_ROLLED_TEMPLATE.search(line)
    ]
    assert not found, "use the Formatter (fmt) instead:\n" + "\n".join(found)
