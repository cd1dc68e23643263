"""The report font covers Kazakh Cyrillic, is embedded, and no fallback font is needed."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont

from app.channels.reports.render import html_to_pdf
from tests.reports.conftest import embedded_fonts, read_pdf

KAZAKH = "ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І"


def font_file(family: str) -> str:
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True
    ).stdout
    return found


class TestKazakhGlyphs:
    def test_the_report_font_has_every_kazakh_letter(self) -> None:
        path = font_file("DejaVu Sans")
        assert "DejaVuSans" in path, (
            f"DejaVu Sans is not installed (scripts/system-deps.sh): {path}"
        )
        cmap = TTFont(path).getBestCmap()
        missing = [ch for ch in KAZAKH.replace(" ", "") if ord(ch) not in cmap]
        assert missing == []

    def test_kazakh_text_comes_back_from_the_pdf_in_the_embedded_font(self) -> None:
        pdf = read_pdf(html_to_pdf(f"<h1>Қауіпсіз аула</h1><p>{KAZAKH}</p><p><b>{KAZAKH}</b></p>"))
        for letter in KAZAKH.split():
            assert letter in pdf.text
        fonts = embedded_fonts(pdf.reader)
        assert fonts and all(fonts.values()), fonts
        assert all("DejaVu" in name for name in fonts), fonts  # no fallback font was needed

    @pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
    def test_pdffonts_says_embedded(self, tmp_path: object) -> None:
        from pathlib import Path

        target = Path(str(tmp_path)) / "kk.pdf"
        target.write_bytes(html_to_pdf(f"<p>{KAZAKH}</p>"))
        lines = subprocess.run(
            ["pdffonts", str(target)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert lines
        for line in lines:
            columns = line.split()
            # name, type..., encoding, emb, sub, uni, object, id: "emb" is the 5th from the end
            assert columns[-5] == "yes", line
