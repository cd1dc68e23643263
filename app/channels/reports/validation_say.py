"""Writing a validation result's numbers, intervals, dates and data in the page's language:
the helpers behind ``validation_words`` and the data section's rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.channels.reports.validation_labels import reason_text
from app.channels.web.formatting import Formatter
from app.platform.translations import gettext as _


class Say:
    def __init__(self, fmt: Formatter, result: Mapping[str, Any]) -> None:
        self.fmt = fmt
        self.result = result
        self.data: Mapping[str, Any] = result.get("data") or {}

    def num(self, value: Any, decimals: int = 2) -> str:
        return self.fmt.number(value, decimals) if isinstance(value, int | float) else "—"

    def pct(self, value: Any) -> str:
        return self.num(value * 100 if isinstance(value, int | float) else None, 1) + "%"

    def ci(self, figure: Mapping[str, Any], decimals: int = 2) -> str:
        ci = figure.get("ci")
        if not ci or ci[0] is None or ci[1] is None:
            return _("no interval")
        # "to", not a dash: an interval may start below zero.
        return _(
            "95%% interval %(low)s to %(high)s",
            low=self.num(ci[0], decimals),
            high=self.num(ci[1], decimals),
        )

    def p_value(self, value: Any) -> str:
        if isinstance(value, int | float) and value < 0.001:
            return "< " + self.num(0.001, 3)
        return "= " + self.num(value, 3)

    def missing(self, figure: Mapping[str, Any]) -> str:
        """Why a figure says nothing: the reason and, where known, what it needs."""
        reason = reason_text(figure.get("reason"), figure.get("reason_text"))
        if figure.get("status") == "not_enough_data" and figure.get("needed") is not None:
            return _(
                "Not enough data to say: %(reason)s It needs %(needed)s, there are %(have)s.",
                reason=reason,
                needed=self.num(figure.get("needed"), 0),
                have=self.num(figure.get("have"), 0),
            )
        return _("No figure: %(reason)s", reason=reason)

    def window(self) -> str:
        outcome = (self.data.get("windows") or {}).get("outcome") or [None, None]
        return self.dates(outcome[0], outcome[1], exclusive=True)

    def dates(self, first: Any, last: Any, *, exclusive: bool = False) -> str:
        if not first or not last:
            return "—"
        end = date.fromisoformat(last)
        if exclusive:
            end = date.fromordinal(end.toordinal() - 1)
        return f"{self.fmt.date(date.fromisoformat(first))} – {self.fmt.date(end)}"

    def sources(self) -> str:
        offences = self.data.get("offences") or {}
        return ", ".join(offences.get("sources") or []) or "—"

    def brief(self, figure: Mapping[str, Any], *, offences: Any = None) -> str:
        """What one figure rests on, short (the headline says the rest once)."""
        return _(
            "%(areas)s areas, %(offences)s offences",
            areas=self.num(figure.get("n") or self.result.get("n_areas"), 0),
            offences=self.num(offences if offences is not None else self.result.get("offences"), 0),
        )

    def rests_on(self, *, offences: Any = None) -> str:
        return _(
            "%(areas)s areas with at least %(min)s audited yards in %(districts)s districts; "
            "%(offences)s offences registered %(window)s (%(source)s).",
            areas=self.num(self.result.get("n_areas"), 0),
            min=self.num(self.result.get("min_audited"), 0),
            districts=self.num(self.result.get("n_districts"), 0),
            offences=self.num(offences if offences is not None else self.result.get("offences"), 0),
            window=self.window(),
            source=self.sources(),
        )


def data_rows(say: Say) -> list[tuple[str, str]]:
    data = say.data
    offences = data.get("offences") or {}
    audits = data.get("audits") or {}
    areas = data.get("areas") or {}
    windows = data.get("windows") or {}
    before = windows.get("before") or [None, None]
    rows = [
        (
            _("Cut-off date"),
            say.fmt.date(date.fromisoformat(data["as_of"])) if data.get("as_of") else "—",
        ),
        (_("Offences counted (the outcome)"), say.window()),
        (_("Last year's offences (a baseline)"), say.dates(before[0], before[1], exclusive=True)),
        (_("Source of the offences"), say.sources()),
        (
            _("Offences stored"),
            _(
                "%(n)s, %(dates)s",
                n=say.num(offences.get("total_stored"), 0),
                dates=say.dates(offences.get("date_from"), offences.get("date_to")),
            ),
        ),
        (
            _("Offences in the outcome window, city-wide"),
            say.num(offences.get("outcome_city_wide"), 0),
        ),
        (
            _("Fraud (art. 190) in the outcome window, city-wide"),
            say.num(offences.get("control_city_wide"), 0),
        ),
        (
            _("Audited yards (each yard's latest inspector audit before the cut-off)"),
            say.num(audits.get("yards"), 0),
        ),
        (_("Audits received"), say.dates(audits.get("first"), audits.get("last"))),
        (_("Micro-districts"), say.num(areas.get("known"), 0)),
        (_("… with an audited yard"), say.num(areas.get("with_audits"), 0)),
        (
            _(
                "… used (at least %(min)s audited yards)",
                min=say.num(say.result.get("min_audited"), 0),
            ),
            say.num(say.result.get("n_areas"), 0),
        ),
        (
            _("Residents per area"),
            _(
                "an estimate: the district's population shared by the "
                "length of named streets (OpenStreetMap)"
            ),
        ),
        (
            _("Bootstrap"),
            _(
                "%(n)s resamples of districts, seed %(seed)s",
                n=say.num(say.result.get("n_boot"), 0),
                seed=str(say.result.get("seed", "—")),
            ),
        ),
    ]
    if offences.get("outcome_covered") is False:
        rows.append((_("Warning"), _("The stored offences end before the outcome window does.")))
    return rows
