"""Every PDF kind, in every language, on a district with many yards, long names and many flags:
no two text boxes overlap, no two table cells' words run together, no badge covers text and
nothing runs past the page margin (tests/reports/layout.py reads the word boxes back)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.areas.trend import month_of
from app.channels.reports.render import html_to_pdf
from app.platform.db import utcnow
from tests.reports.conftest import BUSY_DISTRICT, BusyDistrict
from tests.reports.layout import layout_defects

pytestmark = pytest.mark.slow


def _urls(busy: BusyDistrict) -> dict[str, str]:
    month = month_of(utcnow())
    return {
        "yard": f"/yards/{busy.yard_id}/report.pdf",
        "submission": f"/result/{busy.submission_id}/report.pdf",
        "district": f"/inspector/reports/districts/{BUSY_DISTRICT}.pdf?month={month}",
        "micro-district": (
            f"/inspector/reports/micro-districts/{busy.micro_district_id}.pdf?month={month}"
        ),
    }


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
@pytest.mark.parametrize("kind", ["yard", "submission", "district", "micro-district"])
def test_no_text_overlaps(
    kind: str, lang: str, admin: TestClient, busy_district: BusyDistrict
) -> None:
    url = _urls(busy_district)[kind]
    joiner = "&" if "?" in url else "?"
    response = admin.get(f"{url}{joiner}lang={lang}")
    assert response.status_code == 200, response.text[:300]
    defects = layout_defects(response.content)
    assert not defects, "\n".join(str(d) for d in defects[:40])


class TestTheCheckFindsDefects:
    """The checker fails on the defects it is for (a check that cannot fail proves nothing)."""

    def page(self, body: str) -> bytes:
        return html_to_pdf(f'<html lang="ru"><body>{body}</body></html>')

    def test_a_clean_page_passes(self) -> None:
        assert layout_defects(self.page("<p>Индекс сейчас — 56,8</p>")) == []

    def test_text_drawn_over_text(self) -> None:
        found = layout_defects(
            self.page(
                '<p style="position: absolute; top: 10mm; left: 0">проверка</p>'
                '<p style="position: absolute; top: 10mm; left: 1.5mm">риск</p>'
            )
        )
        assert [d.kind for d in found] and {d.kind for d in found} == {"overlap"}

    def test_header_cells_running_together(self) -> None:
        found = layout_defects(
            self.page(
                '<table style="table-layout: fixed; width: 40mm; border-collapse: collapse">'
                '<tr><th style="width: 8mm; padding: 0; white-space: nowrap; text-align: left">'
                "Сейчас</th><th style='padding: 0; text-align: left'>Уровень</th></tr></table>"
            )
        )
        assert any(d.kind in ("run together", "overlap") for d in found), found

    def test_a_badge_over_the_next_cell(self) -> None:
        found = layout_defects(
            self.page(
                '<table style="table-layout: fixed; width: 60mm"><tr>'
                '<td style="width: 10mm"><span style="background: #c62828; color: #fff; '
                'white-space: nowrap; padding: 1mm">Критический риск</span></td>'
                "<td>одна проверка</td></tr></table>"
            )
        )
        assert any(d.kind == "covered by a badge" for d in found), found

    def test_text_past_the_margin(self) -> None:
        found = layout_defects(
            self.page('<p style="white-space: nowrap">' + "очень длинная строка " * 20 + "</p>")
        )
        assert any(d.kind == "past the margin" for d in found), found
