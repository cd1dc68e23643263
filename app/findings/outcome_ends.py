"""The findings a body owed a fix at a past moment (a closed month's end), kept per process
on SQLite: the history query reads every finding's last event by then over the whole
history (~100-200 ms at 1M submissions), on every read after any write.

Kept per database and moment: each owing finding's district, area, body and whether it was
overdue, with the newest event id they reflect (the watermark). A later read recomputes only
the findings with an event past the watermark. That is exact because every change of what
the figure reads (a finding's state by then, confirmation, deadline, body) writes an event
of that finding, findings and events are never deleted, and SQLite's single writer gives
ids in commit order; a past moment is no exception (an event may be dated in the past:
``sync_yard(now=...)`` of generated data, a write that straddles the month's end).

Kept only from committed rows (the newest event read must be visible to another
connection): a transaction's own writes, rolled back later, never enter it. PostgreSQL
is not kept: ids there commit out of order, so a watermark could pass an event.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from app.findings.models import ACTIVE_STATES, Finding, FindingEvent
from app.platform.db import table_of

_F = table_of(Finding)
_E = table_of(FindingEvent)
_ACTIVE = [s.value for s in ACTIVE_STATES]
# (district, area, body at that moment, overdue 0/1) of one owing finding.
Place = tuple[str, str | None, str | None, int]
_CHUNK = 500  # finding ids per look-up of the recomputed
_NO_FILE = (None, "", ":memory:")
_KEEP = 4  # moments kept per process (this month's and last month's end, with room)


@dataclass(frozen=True)
class _Kept:
    watermark: int
    mark: tuple[Any, ...]  # the watermark event's row: a rolled-back or rebuilt database differs
    places: dict[int, Place]  # finding id -> its place, for the owing findings only
    counts: Counter[Place]


_kept: dict[tuple[str, datetime], _Kept] = {}
_lock = threading.Lock()


def owed_at(connection: Connection, *, at: datetime) -> Counter[Place] | None:
    """Per (district, area, body, overdue): the confirmed findings the body owed a fix at
    ``at`` by their history (as ``outcomes._owed`` of a closed period counts them); None
    where not kept (PostgreSQL; an in-memory SQLite, which has no second connection to ask
    whether a row is committed)."""
    if connection.dialect.name != "sqlite" or connection.engine.url.database in _NO_FILE:
        return None
    top = _event_row(connection, None)
    if top is None:
        return Counter()
    key = (str(connection.engine.url), at)
    with _lock:
        kept = _kept.get(key)
    if kept is not None and (
        top[0] < kept.watermark or _event_row(connection, kept.watermark) != kept.mark
    ):
        kept = None
    if kept is None:
        places = dict(_places(connection, at=at, finding_ids=None))
        counts = Counter(places.values())
    else:
        # By the primary key, deduplicated here (a DISTINCT walks the finding_id index).
        touched = connection.execute(
            select(_E.c.finding_id).where(_E.c.id > kept.watermark).order_by(_E.c.id)
        ).scalars()
        changed = dict.fromkeys(touched)
        if not changed:
            return kept.counts
        places = dict(kept.places)
        counts = kept.counts.copy()
        for fid in changed:
            old = places.pop(fid, None)
            if old is not None:
                counts[old] -= 1
        fresh = dict(_places(connection, at=at, finding_ids=list(changed)))
        places.update(fresh)
        counts.update(fresh.values())
        counts = +counts  # drop the places left with none
    if _committed(connection, top):
        with _lock:
            # A read whose snapshot began before another's newer keep leaves that one.
            newer = _kept.get(key)
            if newer is None or newer.watermark <= top[0]:
                _kept[key] = _Kept(watermark=top[0], mark=top, places=places, counts=counts)
            for old_key in sorted(_kept, key=lambda k: k[1])[:-_KEEP]:
                del _kept[old_key]
    return counts


def forget() -> None:
    """Drop everything kept (tests that rebuild a database at the same path)."""
    with _lock:
        _kept.clear()


def _event_row(connection: Connection, event_id: int | None) -> tuple[Any, ...] | None:
    columns = select(_E.c.id, _E.c.finding_id, _E.c.at, _E.c.action, _E.c.to_state, _E.c.body_id)
    query = (
        columns.order_by(_E.c.id.desc()).limit(1)
        if event_id is None
        else columns.where(_E.c.id == event_id)
    )
    row = connection.execute(query).first()
    return None if row is None else tuple(row)


def _committed(connection: Connection, top: tuple[Any, ...]) -> bool:
    """Whether the newest event this transaction sees is committed: then so is every row it
    reads (SQLite: one writer, whose own uncommitted events would be the newest). Asked on a
    driver connection in autocommit: a writer's engine would begin IMMEDIATE and wait."""
    other = connection.engine.raw_connection()
    try:
        cursor = other.cursor()
        cursor.execute(
            "SELECT finding_id, action, to_state, body_id FROM finding_event WHERE id = ?",
            (top[0],),
        )
        return cursor.fetchone() == (top[1], *top[3:])
    finally:
        other.close()


def _places(
    connection: Connection, *, at: datetime, finding_ids: Collection[int] | None
) -> Iterable[tuple[int, Place]]:
    """(finding id, place) of the findings owing at ``at`` (of ``finding_ids``, or all)."""
    ids = None if finding_ids is None else list(finding_ids)
    chunks: Iterable[list[int] | None] = (
        [None] if ids is None else (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK))
    )
    for chunk in chunks:
        among = [] if chunk is None else [_E.c.finding_id.in_(chunk)]
        last = (
            select(_E.c.finding_id, func.max(_E.c.id).label("event_id"))
            .select_from(_E.join(_F, _F.c.id == _E.c.finding_id))
            .where(*among, _F.c.confirmed.is_(True), _F.c.confirmed_at <= at, _E.c.at <= at)
            .group_by(_E.c.finding_id)
            .subquery()
        )
        rows = connection.execute(
            select(
                _F.c.id,
                _F.c.district_id,
                _F.c.micro_district_id,
                _E.c.body_id,
                case((_F.c.deadline_at < at, 1), else_=0),
            )
            .select_from(
                last.join(_E, _E.c.id == last.c.event_id).join(_F, _F.c.id == last.c.finding_id)
            )
            .where(_E.c.to_state.in_(_ACTIVE))
        )
        for fid, district, area, body, overdue in rows:
            yield fid, (district, area, body, overdue)
