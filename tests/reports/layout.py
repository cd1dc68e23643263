"""Layout defects of a PDF read back with pdfplumber: text boxes that overlap, words of two
table cells run together, a filled badge over someone else's text, text past the margins."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import pdfplumber

MM = 72 / 25.4
SIDE_MARGIN_PT = 14 * MM  # report.css @page margin
TOLERANCE_PT = 0.6
# A lower-case letter right before a capital in one word: two cells' words run together
# ("сейчасУровень", "СалмағыҰпай"). Words that are written so on purpose are allowed.
RUN_TOGETHER = re.compile(r"[a-zа-яёәғқңөұүһі][A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]")
KERNING_SHARE = 0.4
CAMEL_CASE_WORDS = ("SafeYard", "OpenStreetMap", "2GIS", "ODbL")


@dataclass(frozen=True)
class Defect:
    page: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.kind}: {self.text}"


def _boxes_overlap(a: dict[str, Any], b: dict[str, Any], tolerance: float) -> bool:
    width = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
    height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return width > tolerance and height > tolerance


def _glyphs_overlap(a: dict[str, Any], b: dict[str, Any], tolerance: float) -> bool:
    wider = max(a["x1"] - a["x0"], b["x1"] - b["x0"])
    return b["x0"] < a["x1"] - max(tolerance, KERNING_SHARE * wider)


def _contains(outer: dict[str, Any], inner: dict[str, Any], tolerance: float) -> bool:
    return (
        inner["x0"] >= outer["x0"] - tolerance
        and inner["x1"] <= outer["x1"] + tolerance
        and inner["top"] >= outer["top"] - tolerance
        and inner["bottom"] <= outer["bottom"] + tolerance
    )


def _filled(rect: dict[str, Any]) -> bool:
    colour = rect.get("non_stroking_color")
    if not rect.get("fill") or colour is None:
        return False
    values = colour if isinstance(colour, list | tuple) else [colour]
    return not all(float(v) > 0.97 for v in values)  # white is no badge


def layout_defects(pdf: bytes, *, tolerance: float = TOLERANCE_PT) -> list[Defect]:
    """Every layout defect of ``pdf``; an empty list for a clean one."""
    defects: list[Defect] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            words = page.extract_words(x_tolerance=1.0, y_tolerance=1.0, return_chars=True)
            for word in words:
                text = word["text"]
                # Overlapping glyphs are read as one word: "рпирсокверка" is two words drawn
                # over each other. In a word set right, each glyph starts about where the last
                # ends (kerning, "Ya", "Te", moves it back by a fraction of a glyph).
                chars = sorted(word["chars"], key=lambda c: c["x0"])
                if any(
                    _glyphs_overlap(a, b, tolerance) for a, b in zip(chars, chars[1:], strict=False)
                ):
                    defects.append(Defect(number, "overlap", text))
                stripped = text
                for allowed in CAMEL_CASE_WORDS:
                    stripped = stripped.replace(allowed, "")
                if RUN_TOGETHER.search(stripped):
                    defects.append(Defect(number, "run together", text))
                if word["x0"] < SIDE_MARGIN_PT - 1 or word["x1"] > page.width - SIDE_MARGIN_PT + 1:
                    defects.append(Defect(number, "past the margin", text))
            for a, b in combinations(words, 2):
                if _boxes_overlap(a, b, tolerance):
                    defects.append(Defect(number, "overlap", f"{a['text']!r} / {b['text']!r}"))
            # A badge (a small filled box: a band pill) covering a word it does not hold.
            badges = [
                r
                for r in page.rects
                if _filled(r) and 3 < r["height"] < 20 and 3 < r["width"] < 200
            ]
            for badge in badges:
                for word in words:
                    if _boxes_overlap(badge, word, tolerance) and not _contains(
                        badge, word, tolerance
                    ):
                        defects.append(Defect(number, "covered by a badge", word["text"]))
    return defects
