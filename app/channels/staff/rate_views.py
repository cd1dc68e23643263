"""Registered offences per 10,000 residents beside the index: what the dashboard, the district's
monthly page and its PDF show (``app.offences.rates``), with the words for the source and
period they rest on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.channels.web.formatting import Formatter
from app.offences import rates as rates_service
from app.platform import translations
from app.platform.translations import gettext


@dataclass(frozen=True)
class RatesBlock:
    """The rates of a page and the line under them; ``rates`` None: no offence imported."""

    rates: rates_service.OffenceRates | None
    period: str  # "ноябрь 2025 – октябрь 2026"
    source_line: str

    def per_10k(self, district_id: str) -> float | None:
        if self.rates is None or district_id not in self.rates.districts:
            return None
        return self.rates.districts[district_id].per_10k

    def area(self, micro_district_id: str) -> rates_service.AreaRate | None:
        if self.rates is None:
            return None
        for district in self.rates.districts.values():
            for area in district.areas:
                if area.micro_district_id == micro_district_id:
                    return area
        return None


MonthLabel = Callable[[str], str]  # "2026-10" -> "октябрь 2026" in the page's language


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _block(rates: rates_service.OffenceRates | None, month_label: MonthLabel) -> RatesBlock:
    if rates is None:
        return RatesBlock(None, "", gettext("No offence data imported."))
    period = f"{month_label(_month(rates.start))} – {month_label(_month(rates.last_day))}"
    as_of = (rates.city.population_as_of or "")[:4]
    line = gettext(
        "Registered offences: %(source)s, %(period)s; residents: official statistics, %(year)s.",
        source=", ".join(rates.sources),
        period=period,
        year=as_of or "—",
    )
    if rates.partial:
        fmt = Formatter(translations.current_lang.get())
        line += " " + gettext(
            "The offence data covers only %(first)s – %(last)s: the counts are too low.",
            first=fmt.date(rates.data_from) if rates.data_from else "—",
            last=fmt.date(rates.data_to) if rates.data_to else "—",
        )
    return RatesBlock(rates, period, line)


def dashboard(session: Session, *, month_label: MonthLabel) -> RatesBlock:
    """Every district's rate over the last 12 full months the offence data covers."""
    return _block(rates_service.offence_rates(session), month_label)


def district_month(
    session: Session,
    *,
    district_id: str,
    month: str,
    audited: Mapping[str, int],
    min_audited: int,
    month_label: MonthLabel,
) -> RatesBlock:
    """The district's rate and its areas' estimated rates over the 12 months to the end of
    ``month`` ("YYYY-MM"); an area with fewer than ``min_audited`` yards checked gets no
    rate, as its index gets no problem flag."""
    rates = rates_service.offence_rates(
        session,
        # Any day of the month ends the window with that month (``rates.window_to``).
        last_day=date(int(month[:4]), int(month[5:7]), 1),
        district_ids=[district_id],
        with_areas=True,
        audited=audited,
        min_audited=min_audited,
    )
    return _block(rates, month_label)
