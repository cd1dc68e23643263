"""Counting stored offences: per micro-district and per district in a date range, by Criminal
Code article, and what the counts rest on (``coverage``), to print beside every figure.

Articles are matched on the normalized number ``app.offences.importing`` stores ("188",
"188-1"): a filter of "ст.188 ч.2" or "188" means article 188, never 188-1.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Integer, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.offences.articles import normalize_article
from app.offences.models import Offence, OffenceImport
from app.platform.db import table_of

_OFFENCE = table_of(Offence)
_IMPORT = table_of(OffenceImport)


@dataclass(frozen=True)
class OffenceCoverage:
    """What the stored offences are: how many, the dates they span, where they came from,
    whether any is synthetic (made up by the demo) and when the last import ran."""

    total: int
    date_from: date | None
    date_to: date | None
    sources: tuple[str, ...]
    synthetic: bool
    last_import_at: datetime | None

    @property
    def empty(self) -> bool:
        return self.total == 0


def _articles(values: Collection[str]) -> list[str]:
    return sorted({normalize_article(v) or v.strip() for v in values})


def _filters(
    *,
    start: date,
    end: date,
    articles: Collection[str] | None,
    exclude_articles: Collection[str] | None,
    district_ids: Collection[str] | None,
    include_discontinued: bool,
) -> list[ColumnElement[Any]]:
    where: list[ColumnElement[Any]] = [
        _OFFENCE.c.occurred_on >= start,
        _OFFENCE.c.occurred_on < end,
    ]
    if articles is not None:
        where.append(_OFFENCE.c.article.in_(_articles(articles)))
    if exclude_articles:
        where.append(_OFFENCE.c.article.not_in(_articles(exclude_articles)))
    if district_ids is not None:
        where.append(_OFFENCE.c.district_id.in_(sorted(district_ids)))
    if not include_discontinued:
        where.append(_OFFENCE.c.discontinued.is_(False))
    return where


def _count_by(
    session: Session, column: Any, where: list[ColumnElement[Any]]
) -> dict[str | None, int]:
    rows = session.execute(
        select(column, func.count()).select_from(_OFFENCE).where(*where).group_by(column)
    ).all()
    return {key: int(n) for key, n in rows}


def count_by_area(
    session: Session,
    *,
    start: date,
    end: date,
    articles: Collection[str] | None = None,
    exclude_articles: Collection[str] | None = None,
    district_ids: Collection[str] | None = None,
    include_discontinued: bool = True,
) -> dict[str | None, int]:
    """Offences with ``start <= occurred_on < end`` per micro-district id (None: in a
    district but in no micro-district). ``articles`` keeps only those articles (an empty
    collection keeps none); ``exclude_articles`` drops them. Areas with none are absent."""
    where = _filters(
        start=start,
        end=end,
        articles=articles,
        exclude_articles=exclude_articles,
        district_ids=district_ids,
        include_discontinued=include_discontinued,
    )
    return _count_by(session, _OFFENCE.c.micro_district_id, where)


def count_by_district(
    session: Session,
    *,
    start: date,
    end: date,
    articles: Collection[str] | None = None,
    exclude_articles: Collection[str] | None = None,
    district_ids: Collection[str] | None = None,
    include_discontinued: bool = True,
) -> dict[str | None, int]:
    """As ``count_by_area``, per district id. Districts with none are absent."""
    where = _filters(
        start=start,
        end=end,
        articles=articles,
        exclude_articles=exclude_articles,
        district_ids=district_ids,
        include_discontinued=include_discontinued,
    )
    return _count_by(session, _OFFENCE.c.district_id, where)


def coverage(session: Session) -> OffenceCoverage:
    """What every figure built on offences must print beside it (source, dates, synthetic)."""
    total, first, last, synthetic = session.execute(
        select(
            func.count(),
            func.min(_OFFENCE.c.occurred_on),
            func.max(_OFFENCE.c.occurred_on),
            func.max(_OFFENCE.c.synthetic.cast(Integer)),
        ).select_from(_OFFENCE)
    ).one()
    sources = session.execute(
        select(_IMPORT.c.source)
        .where(_IMPORT.c.id.in_(select(_OFFENCE.c.import_id).distinct()))
        .distinct()
        .order_by(_IMPORT.c.source)
    ).scalars()
    last_import = session.execute(select(func.max(_IMPORT.c.imported_at))).scalar()
    return OffenceCoverage(
        total=int(total or 0),
        date_from=_as_date(first),
        date_to=_as_date(last),
        sources=tuple(sources),
        synthetic=bool(synthetic),
        last_import_at=_as_utc(last_import),
    )


def _as_date(value: Any) -> date | None:
    # SQLite returns MIN/MAX of a DATE column as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_utc(value: Any) -> datetime | None:
    # Defensive: SQLite keeps no zone; every stored time is UTC.
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
