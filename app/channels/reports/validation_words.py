"""A stored validation run in plain words, in the reader's language: the sentences, goals,
tables and the data each figure rests on that the report file (``safeyard validate``) and
the inspectors' evidence panel both show (templates/validation/_figures.html).

Reads the JSON of ``app.evidence.result`` plus the run's "data" section
(``app.validation.service.data_section``); a key the JSON lacks shows as a dash, never as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.channels.reports.validation_labels import figure_label, reason_text, unit_label
from app.channels.reports.validation_say import Say, data_rows
from app.channels.web.formatting import Formatter
from app.platform.translations import gettext as _

ItemLabel = Callable[[str], str]


@dataclass
class Statement:
    """One figure: what it says (or why it says nothing), what it rests on, what it cannot
    show. ``status``: ok, not_enough_data or not_ok."""

    key: str
    title: str
    status: str
    text: str
    rests_on: str
    cannot_show: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Goal:
    label: str
    status: str  # met, not_met, cannot_say
    status_text: str
    reason: str


@dataclass
class Words:
    """What the templates render; ``rows`` are (label, value) pairs of the data section."""

    synthetic: bool
    as_of: str
    run_at: str
    headline: str
    goals: list[Goal]
    warning: str | None
    statements: list[Statement]
    items: list[dict[str, Any]]
    bins: list[dict[str, Any]]
    minimum: list[dict[str, Any]]
    rows: list[tuple[str, str]]


def _spearman(say: Say) -> Statement:
    fig = say.result.get("spearman") or {}
    if fig.get("status") == "ok":
        text = _(
            "Areas with a higher risk had more offences per 10,000 residents in the next year: "
            "Spearman's ρ = %(rho)s (%(ci)s; 0 means no link, 1 a perfect ranking).",
            rho=say.num(fig.get("value")),
            ci=say.ci(fig),
        )
    else:
        text = say.missing(fig)
    notes = []
    if fig.get("ci_rough"):
        notes.append(
            _(
                "The interval resamples only %(blocks)s districts, so it is rough.",
                blocks=say.num(fig.get("n_blocks"), 0),
            )
        )
    return Statement(
        "spearman",
        _("Rank correlation"),
        str(fig.get("status")),
        text,
        say.brief(fig),
        _(
            "A correlation across areas says nothing about one yard, and it is not a cause: "
            "risky yards and offences may both follow something else (housing, traffic)."
        ),
        notes,
    )


def _pai(say: Say, key: str) -> Statement:
    fig = (say.result.get("pai") or {}).get(key) or {}
    baselines = fig.get("baselines") or {}
    random_range = (baselines.get("random") or {}).get("range")
    if fig.get("status") == "ok":
        text = _(
            "In the areas with the highest %(top)s%% of risk, %(hits)s of the next year's "
            "offences were registered, on %(land)s of the land: %(pai)s times what chance "
            "would give (%(ci)s).",
            top=key,
            hits=say.pct(fig.get("hit_rate")),
            land=say.pct(fig.get("area_share")),
            pai=say.num(fig.get("value")),
            ci=say.ci(fig),
        )
    else:
        text = say.missing(fig)
    notes = []
    if fig.get("status") == "ok":
        notes.append(
            _(
                "Ranked by last year's offences instead: %(before)s; by population: "
                "%(population)s; random rankings: %(low)s–%(high)s.",
                before=say.num(baselines.get("offences_before")),
                population=say.num(baselines.get("population")),
                low=say.num(random_range[0] if random_range else None),
                high=say.num(random_range[1] if random_range else None),
            )
        )
    return Statement(
        f"pai_{key}",
        _("Offences in the riskiest %(top)s%% of areas", top=key),
        str(fig.get("status")),
        text,
        say.brief(fig),
        # Said once, under the top 10%: the same holds for 5% and 20%.
        _(
            "Only offences that were registered count: where people report less, the index "
            "looks worse or better than it is. It says where, not why."
        )
        if key == "10"
        else "",
        notes,
    )


def _model(say: Say) -> list[Statement]:
    fig = say.result.get("model") or {}
    inc = fig.get("incremental") or {}
    if fig.get("status") == "ok":
        text = _(
            "Every 10 points of risk went with %(rr)s times the offences per resident "
            "(%(ci)s), with population and district taken into account.",
            rr=say.num(fig.get("value")),
            ci=say.ci(fig),
        )
    else:
        text = say.missing(fig)
    if inc.get("status") == "ok":
        inc_text = _(
            "With last year's offences in the model too, every 10 points of risk went with "
            "%(rr)s times the offences (%(ci)s); the test of adding risk gives p %(p)s.",
            rr=say.num(inc.get("value")),
            ci=say.ci(inc),
            p=say.p_value(inc.get("lr_p")),
        )
    else:
        inc_text = say.missing(inc)
    cannot = _(
        "A model of areas, not of yards; its weights for single items are candidates for "
        "experts to review, not weights to adopt."
    )
    return [
        Statement(
            "model",
            _("Offences per resident by risk"),
            str(fig.get("status")),
            text,
            say.brief(fig),
            cannot,
        ),
        Statement(
            "incremental",
            _("Beyond last year's offences"),
            str(inc.get("status")),
            inc_text,
            say.brief(inc),
            _("It cannot tell which of the two causes the other."),
        ),
    ]


def _control(say: Say) -> Statement:
    block = say.result.get("negative_control") or {}
    rho = block.get("spearman") or {}
    if rho.get("status") == "ok":
        text = _(
            "Fraud (art. 190 of the Criminal Code), which yard conditions should not "
            "predict: ρ = %(rho)s (%(ci)s).",
            rho=say.num(rho.get("value")),
            ci=say.ci(rho),
        )
    else:
        text = say.missing(rho)
    notes = (
        [reason_text(block.get("flag_reason"), block.get("flag_text"))]
        if block.get("flag")
        else [_("No warning: the index does not track fraud.")]
        if rho.get("status") == "ok"
        else []
    )
    return Statement(
        "negative_control",
        _("Negative control"),
        str(rho.get("status")),
        text,
        say.brief(rho, offences=say.result.get("control_offences")),
        _("A quiet control does not prove the index measures yards; a loud one casts doubt."),
        notes,
    )


def _goals(say: Say) -> list[Goal]:
    verdict = say.result.get("verdict") or {}
    labels = {
        "correlation": _("Rank correlation ρ ≥ 0.3"),
        "pai_10": _("PAI at the top 10% ≥ 3"),
        "adds_to_baselines": _("Adds to last year's offences and population"),
    }
    statuses = {"met": _("met"), "not_met": _("not met"), "cannot_say": _("cannot say yet")}
    goals = []
    for key, label in labels.items():
        goal = verdict.get(key) or {}
        status = str(goal.get("status") or "cannot_say")
        goals.append(
            Goal(
                label,
                status,
                statuses.get(status, status),
                # "The goal is met." beside "met" says it twice.
                ""
                if goal.get("reason") == "goal_met"
                else reason_text(goal.get("reason"), goal.get("reason_text")),
            )
        )
    return goals


def words(
    result: Mapping[str, Any], *, fmt: Formatter, run_at: Any, item_label: ItemLabel
) -> Words:
    """The run's ``result`` in plain words for ``fmt``'s language."""
    say = Say(fmt, result)
    model = result.get("model") or {}
    items = [
        {
            "label": item_label(str(row.get("item"))),
            "status": row.get("status"),
            "value": say.num(row.get("value")),
            "ci": say.ci(row) if row.get("status") == "ok" else say.missing(row),
            "q": say.p_value(row.get("q")) if row.get("q") is not None else None,
        }
        for row in model.get("items") or []
    ]
    bins = [
        {
            "bin": row.get("bin"),
            "areas": say.num(row.get("n_areas"), 0),
            "risk": f"{say.num(row.get('risk_min'), 1)}–{say.num(row.get('risk_max'), 1)}",
            "offences": say.num(row.get("offences"), 0),
            "observed": say.num(row.get("observed_rate"), 1),
            "expected": say.num(row.get("expected_rate"), 1),
        }
        for row in (result.get("calibration") or {}).get("bins") or []
    ]
    minimum = [
        {
            "figure": figure_label(str(row.get("figure"))),
            "unit": unit_label(str(row.get("unit"))),
            "needed": say.num(row.get("needed"), 0),
            "have": say.num(row.get("have"), 0),
            "met": bool(row.get("met")),
        }
        for row in result.get("minimum_data") or []
    ]
    warning = (result.get("verdict") or {}).get("warning")
    statements = [_spearman(say), *(_pai(say, k) for k in ("10", "5", "20")), *_model(say)]
    statements.append(_control(say))
    as_of = say.data.get("as_of")
    return Words(
        synthetic=bool(result.get("synthetic") or say.data.get("synthetic")),
        as_of=fmt.date(date.fromisoformat(as_of)) if as_of else "—",
        run_at=fmt.date(run_at) if run_at else "—",
        headline=say.rests_on(),
        goals=_goals(say),
        warning=reason_text(warning) if warning else None,
        statements=statements,
        items=items,
        bins=bins,
        minimum=minimum,
        rows=data_rows(say),
    )
