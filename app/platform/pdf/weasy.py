"""WeasyPrint set up once for many documents: HTML in, PDF bytes out.

Two things WeasyPrint does for every document by default cost a report 15-25% of its render
(docs/PERFORMANCE.md, "Cold yard PDF: the render process's own work"):

- a new fontconfig set and Pango font map, so the fonts are found, loaded and shaped again.
  Here each thread keeps one (a Pango font map is not safe to share between threads; renders
  run in threads when the render process is off);
- its user-agent stylesheet gives every element six pseudo-elements (``::marker``, and the
  footnote and note calls and markers), each with a cascaded and a computed style: 2,800 of
  them for a 470-element yard report, 6,600 of its 8,500 cascaded declarations. Here
  ``::marker`` applies to list items only (the only elements that have one: ``display:
  list-item``) and the footnote and note rules are left out (no report uses footnotes or
  notes). The rest of the stylesheet is WeasyPrint's own text; when a WeasyPrint release
  changes those lines, its stock stylesheet is used unchanged.

WeasyPrint is imported on first use (about a second of start-up other processes need not pay).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

# WeasyPrint's universal pseudo-element rules (css/html5_ua.css) and what becomes of them.
MARKER_RULE = "::marker {"
UNUSED_PSEUDO_RULES = ("::footnote-call ", "::footnote-marker ", "::note-")

_threads = threading.local()


def trimmed_user_agent_css(text: str) -> str:
    """WeasyPrint's user-agent stylesheet ``text`` with ``::marker`` on list items only and
    without the footnote and note rules; ``text`` unchanged if those lines are not found."""
    lines = text.splitlines()
    if not any(line.startswith(MARKER_RULE) for line in lines):
        return text
    kept = []
    for line in lines:
        if line.startswith(MARKER_RULE):
            line = "li" + line
        elif line.startswith(UNUSED_PSEUDO_RULES):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


@cache
def _html_class() -> Any:
    from weasyprint import CSS, HTML
    from weasyprint.html import UA, UA_COUNTER_STYLE, UA_STYLESHEET

    text = trimmed_user_agent_css(UA)
    user_agent = UA_STYLESHEET if text == UA else CSS(string=text, counter_style=UA_COUNTER_STYLE)

    class ReportHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            stock = super()._ua_stylesheets(forms)
            return [user_agent if sheet is UA_STYLESHEET else sheet for sheet in stock]

    return ReportHTML


def font_config() -> Any:
    """This thread's WeasyPrint FontConfiguration, kept between documents."""
    config = getattr(_threads, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _threads.font_config = FontConfiguration()
    return config


def write_pdf(html: str, *, base_url: str, stylesheets: Sequence[Any]) -> bytes:
    """The PDF of ``html`` with ``stylesheets`` (WeasyPrint ``CSS`` objects)."""
    pdf: bytes = _html_class()(string=html, base_url=base_url).write_pdf(
        stylesheets=list(stylesheets), font_config=font_config()
    )
    return pdf
