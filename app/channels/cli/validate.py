"""``safeyard validate``: hold the index against registered offences (docs/VALIDATION.md),
store the run for the evidence panel and write ``validation.json`` and a self-contained
``validation.html``. Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from app.platform.config import get_settings
from app.platform.languages import LANGS


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD") from None


def report_html(result: dict[str, Any], *, run_at: datetime, lang: str, item_label: Any) -> str:
    """The report page in ``lang`` (the caller sets the language ContextVar)."""
    from app.channels.reports.validation_words import words
    from app.channels.web.formatting import Formatter
    from app.platform.templating import environment
    from app.platform.translations import gettext

    fmt = Formatter(lang)  # type: ignore[arg-type]
    return environment.get_template("validation/report.html").render(
        lang=lang,
        w=words(result, fmt=fmt, run_at=run_at, item_label=item_label),
        generated_at=fmt.date(run_at),
        methodology_note=gettext(
            "How each figure is computed and what it cannot show: docs/VALIDATION.md in "
            "SafeYard's source; how the index itself is computed: the /methodology page."
        ),
    )


def _summary(result: dict[str, Any]) -> list[str]:
    data = result.get("data") or {}
    lines = [
        f"cut-off {data.get('as_of')}: {result.get('n_areas')} areas with >= "
        f"{result.get('min_audited')} audited yards in {result.get('n_districts')} districts, "
        f"{result.get('offences')} offences in the 12 months after",
    ]

    def figure(name: str, fig: dict[str, Any]) -> str:
        if fig.get("status") == "ok":
            ci = fig.get("ci") or [None, None]
            return f"{name}: {fig.get('value')} (95% interval {ci[0]} to {ci[1]})"
        return f"{name}: not reported: {fig.get('reason_text') or fig.get('reason')}"

    lines.append(figure("Spearman rho", result.get("spearman") or {}))
    lines.append(figure("PAI at the top 10%", (result.get("pai") or {}).get("10") or {}))
    lines.append(figure("rate ratio per 10 points", result.get("model") or {}))
    for key, goal in (result.get("verdict") or {}).items():
        if isinstance(goal, dict):
            lines.append(f"goal {key}: {str(goal.get('status')).replace('_', ' ')}")
    control = result.get("negative_control") or {}
    if control.get("flag"):
        lines.append(f"WARNING (negative control): {control.get('flag_text')}")
    return lines


def validate(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The cut-off (YYYY-MM-DD): audits before it, offences in the 12 months from "
            "it. Default: the latest date the stored offences cover 12 months after.",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Folder for the two report files.")
    ] = Path("."),
    seed: Annotated[int, typer.Option(help="The bootstrap's random seed.")] = 0,
    bootstrap: Annotated[int, typer.Option(min=100, help="Bootstrap resamples.")] = 1000,
    lang: Annotated[str, typer.Option(help="The HTML report's language: ru, kk or en.")] = "ru",
) -> None:
    """Hold the index against registered offences (docs/VALIDATION.md): store the run the
    inspectors' evidence panel shows, write validation.json and validation.html to --out."""
    from app.checklists.loader import load_registry
    from app.platform.db import Database
    from app.platform.errors import AppError
    from app.platform.translations import current_lang
    from app.validation import service as validation_service

    if lang not in LANGS:
        raise typer.BadParameter(f"--lang must be one of {', '.join(LANGS)}")
    cut_off = _as_of(as_of)
    settings = get_settings()
    registry = load_registry(settings.checklist_dir)
    db = Database(settings.database_url)
    try:
        with db.write_session() as session:
            run = validation_service.run_validation(
                session, as_of=cut_off, seed=seed, n_boot=bootstrap
            )
            result, run_at = dict(run.result), run.created_at
    except AppError as exc:
        typer.echo(f"no validation: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        db.dispose()

    def item_label(item_id: str) -> str:
        item = registry.current.items_by_id.get(item_id)
        return item.question.get(lang) if item is not None else item_id

    # The page's language for gettext; reset after, for a caller in-process.
    token = current_lang.set(lang)
    try:
        page = report_html(result, run_at=run_at, lang=lang, item_label=item_label)
    finally:
        current_lang.reset(token)
    out.mkdir(parents=True, exist_ok=True)
    (out / "validation.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    (out / "validation.html").write_text(page, encoding="utf-8")
    if result.get("synthetic"):
        typer.echo("SYNTHETIC DATA: these figures show the method, not the index's real power")
    for line in _summary(result):
        typer.echo(line)
    typer.echo(f"stored; wrote {out / 'validation.json'} and {out / 'validation.html'}")
