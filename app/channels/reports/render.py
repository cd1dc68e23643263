"""Report data -> HTML (the project's Jinja environment) -> PDF bytes (WeasyPrint).

WeasyPrint is imported on first use (about a second of start-up every other process would
pay), its stylesheet is parsed once per process, and its fonts and user-agent stylesheet are
set up once per thread (``app.platform.pdf.weasy``). Fonts come from fontconfig by family
name: DejaVu Sans (Debian's fonts-dejavu-core, installed by scripts/system-deps.sh) covers
Kazakh Cyrillic (ә ғ қ ң ө ұ ү һ і); WeasyPrint embeds the subset it uses.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import segno
from markupsafe import Markup

from app.areas.shapes import ATTRIBUTION
from app.channels.reports import svg
from app.channels.reports.district import AreaReport
from app.channels.reports.lang import language
from app.channels.reports.yard import YardReport
from app.channels.web import colours
from app.channels.web.formatting import Formatter
from app.platform.languages import Lang
from app.platform.pdf import weasy
from app.platform.templating import TEMPLATES, environment
from app.platform.translations import CATALOGS, gettext

REPORT_TEMPLATES = TEMPLATES / "reports"
STYLESHEET = REPORT_TEMPLATES / "report.css"
MAP_ATTRIBUTION = f"{ATTRIBUTION}, ODbL"


@cache
def template_version() -> str:
    """A digest of everything besides the data that shapes a report: the report templates
    and stylesheet, the shared score partial, the translations and the WeasyPrint version.
    Part of every cache key, so a changed template never serves an old PDF."""
    import weasyprint

    digest = hashlib.sha256(weasyprint.__version__.encode())
    files = sorted(REPORT_TEMPLATES.rglob("*")) + [TEMPLATES / "_score.html"]
    files += sorted(CATALOGS.rglob("*.po"))
    files += sorted(Path(svg.__file__).parent.glob("*.py")) + [Path(weasy.__file__)]
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def css_content(text: str) -> Markup:
    """A translated 'Page %(page)s of %(pages)s' as a CSS ``content`` value with counters."""
    marker = "\x00"
    text = text.replace("%(page)s", f"{marker}page{marker}").replace(
        "%(pages)s", f"{marker}pages{marker}"
    )
    parts = []
    for n, piece in enumerate(text.split(marker)):
        if n % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return Markup(" ".join(parts))


def css_string(text: str) -> Markup:
    return Markup('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


def thumb_uri(path: str) -> str:
    """A thumbnail inlined as a data URI (read at render time; the key holds its path)."""
    data = Path(path).read_bytes()
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


@lru_cache(maxsize=1024)
def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (segno), about 28 mm wide when printed. Kept per
    URL: choosing the code's mask is a third of a yard report's Jinja time."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=1, border=2, omitsize=True))


def month_label(month: str, lang: Lang, *, long: bool = False) -> str:
    """A month as the report writes it: 'декабрь 2026' (``long``, the one formatter), or
    '12.26' in the narrow columns of the trend table."""
    if long:
        return Formatter(lang).month(month)
    year, number = (int(p) for p in month.split("-"))
    return f"{number:02d}.{year % 100:02d}"


@dataclass(frozen=True)
class Swatch:
    colour: str
    label: str


def map_legend(fmt: Formatter) -> list[Swatch]:
    """The map's classes (the inspectors' map's scale, app/channels/web/colours.py)."""
    bounds = [*colours.RISK_BOUNDS, 100.0]
    return [
        Swatch(colour, f"{fmt.number(low, 0)}–{fmt.number(high, 0)}")
        for colour, low, high in zip(colours.COLOURS, bounds, bounds[1:], strict=False)
    ]


def _common(lang: Lang) -> dict[str, Any]:
    fmt = Formatter(lang)
    return {
        "lang": lang,
        "fmt": fmt,
        "page_css": css_content(gettext("Page %(page)s of %(pages)s")),
        "long_date": fmt.date,
        "month_label": lambda m, long=False: month_label(m, lang, long=long),
        "thumb_uri": thumb_uri,
    }


# The trend table: a label column, then one column per month (the chart spans the months).
CONTENT_WIDTH_MM = 182.0  # A4 (210 mm) less the 14 mm side margins of report.css
TREND_LABEL_SHARE = 0.16


@dataclass(frozen=True)
class BarRow:
    title: str
    index: float | None
    band: str | None
    svg: Markup


@dataclass(frozen=True)
class MonthColumn:
    label: str
    mean: float | None
    checks: int


def _trend(points: Sequence[Any], lang: Lang) -> tuple[Markup, list[MonthColumn]]:
    chart = svg.trend_chart(
        [svg.Point(p.mean_risk) for p in points],
        width=CONTENT_WIDTH_MM * (1 - TREND_LABEL_SHARE),
    )
    columns = [MonthColumn(month_label(p.month, lang), p.mean_risk, p.submissions) for p in points]
    return chart, columns


def yard_html(report: YardReport) -> str:
    with language(report.lang):
        bars = [BarRow(s.title, s.index, s.band, svg.bar(s.index)) for s in report.sections]
        trend_svg, months = _trend(report.trend, report.lang)
        context = {
            **_common(report.lang),
            "r": report,
            "bars": bars,
            "trend_svg": trend_svg,
            "months": months,
            "qr_svg": qr_svg(report.checklist_url),
            "telegram_qr_svg": qr_svg(report.telegram_url) if report.telegram_url else None,
            "footer_css": css_string(
                gettext(
                    "SafeYard · yard no. %(id)s · %(date)s",
                    id=report.yard_id,
                    date=Formatter(report.lang).short_date(report.report_date),
                )
            ),
        }
        return environment.get_template("reports/yard.html").render(context)


def area_html(report: AreaReport, shapes: Any) -> str:
    with language(report.lang):
        trend_svg, months = _trend(report.trend, report.lang)
        area_map = svg.area_map(
            [
                svg.MapArea(
                    v.id, shapes.micro_districts[v.id].geometry, v.value, v.highlight, v.number
                )
                for v in report.map_values
                if v.id in shapes.micro_districts
            ],
            label=gettext("Map of the micro-districts"),
            max_height=110.0,
        )
        context = {
            **_common(report.lang),
            "r": report,
            "trend_svg": trend_svg,
            "months": months,
            "map_svg": area_map,
            "map_legend": map_legend(Formatter(report.lang)),
            "no_data_colour": colours.NO_DATA,
            "attribution": MAP_ATTRIBUTION,
            "footer_css": css_string(
                gettext(
                    "SafeYard · %(area)s · %(month)s",
                    area=report.area_name,
                    month=month_label(report.month, report.lang, long=True),
                )
            ),
        }
        return environment.get_template("reports/area.html").render(context)


@cache
def _stylesheet() -> Any:
    from weasyprint import CSS

    return CSS(filename=str(STYLESHEET))


# Both faces, Kazakh letters, a table, an SVG and the page footer: what a report makes Pango,
# HarfBuzz and WeasyPrint load on their first use.
WARM_UP_HTML = """<!doctype html><html lang="kk"><head><meta charset="utf-8"><style>
@page { @bottom-left { content: "SafeYard"; } @bottom-right { content: counter(page); } }
</style></head><body><h1>Қауіпсіз аула</h1><p>Безопасный двор · <strong>әғқңөұүһі</strong></p>
<table class="data"><tr><td>1</td><td class="num">2,5</td></tr></table>
<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="4mm" viewBox="0 0 10 4">
<rect width="10" height="4" fill="#eeeeee"/><path d="M5 0V4" stroke="#fff"/></svg>
</body></html>"""


def warm_up() -> None:
    """Load WeasyPrint, the stylesheet and the fonts: the render process runs it when it
    starts (``app.platform.pdf.pool``), so the first report does not pay for it."""
    html_to_pdf(WARM_UP_HTML)


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (A4, the report stylesheet)."""
    return weasy.write_pdf(html, base_url=str(REPORT_TEMPLATES), stylesheets=[_stylesheet()])


def data_of(report: YardReport | AreaReport) -> dict[str, Any]:
    """The report's data as plain values (the cache key is built from it)."""
    return asdict(report)
