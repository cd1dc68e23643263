"""Each yard's findings still to act on, counted in ``yard_findings``: rewritten from the
yard's own findings (a few dozen rows) whenever one of them changes, in the same transaction,
so the queues never aggregate the whole finding table.

Two ways to the same row: ``refresh`` aggregates in the database (a person's action, the
delivery of a message); ``row_of`` + ``write`` count the rows the intake's sync already holds
in memory (every finding of the yard, as it leaves them), one statement instead of a DELETE
and an INSERT ... SELECT. tests/findings/test_sync_equivalence.py keeps them equal."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql

from app.findings import writes
from app.findings.models import ACTIVE_STATES, OPEN_STATES, Finding, FindingState, YardFindings
from app.platform.db import table_of
from app.platform.pipeline import Later

_F = table_of(Finding)
_S = table_of(YardFindings)
_ACTIVE = [s.value for s in ACTIVE_STATES]
_OPEN = frozenset(s.value for s in OPEN_STATES)
_CONFIRMED_ACTIVE = and_(_F.c.confirmed.is_(True), _F.c.state.in_(_ACTIVE))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_COUNTS = (
    select(
        _F.c.yard_id,
        func.max(_F.c.district_id),
        func.max(_F.c.micro_district_id),
        _count(_CONFIRMED_ACTIVE),
        _count(and_(_F.c.confirmed.is_(False), _F.c.state.in_(_ACTIVE))),
        _count(_F.c.state == FindingState.fix_reported.value),
        func.min(case((_CONFIRMED_ACTIVE, _F.c.deadline_at))),
        func.max(_F.c.reaudit_requested_at),
        func.max(case((_CONFIRMED_ACTIVE, _F.c.risk))),
        func.max(_F.c.assigned_user_id),
    )
    .where(_F.c.state.in_([s.value for s in OPEN_STATES]))
    .group_by(_F.c.yard_id)
)
_COLUMNS = [
    "yard_id",
    "district_id",
    "micro_district_id",
    "active",
    "unconfirmed",
    "awaiting",
    "next_deadline",
    "reaudit_requested_at",
    "top_risk",
    "assigned_user_id",
]


def _upsert_counts(yards: Callable[[Any], ColumnElement[bool]]) -> Any:
    """PostgreSQL, one statement: the yards' rows aggregated, upserted, and the row of a yard
    with nothing left deleted (what the DELETE and INSERT ... SELECT store, in one round trip;
    the DELETE never touches a row the INSERT writes, so their order does not matter)."""
    counts = _COUNTS.where(yards(_F.c.yard_id)).cte("counts")
    gone = (
        delete(_S)
        .where(yards(_S.c.yard_id), _S.c.yard_id.not_in(select(counts.c.yard_id)))
        .cte("gone")
    )
    upsert = postgresql.insert(_S).from_select(_COLUMNS, select(*counts.c))
    return upsert.on_conflict_do_update(
        index_elements=[_S.c.yard_id],
        set_={name: upsert.excluded[name] for name in _COLUMNS if name != "yard_id"},
    ).add_cte(gone)


@functools.cache
def _upsert_one_sql(dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The intake's refresh of one yard as driver SQL, compiled once (``yard_id`` given a
    value so the compiled parameters can be read; each call sets its own)."""
    compiled = _upsert_counts(lambda column: column == bindparam("yard_id", 0)).compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True}
    )
    return compiled.string, dict(compiled.params)


def refresh_later(connection: Connection, *, yard_id: int, later: Later) -> None:
    """PostgreSQL: ``refresh`` of one yard as driver SQL, into ``later``
    (``pipeline.send_together``)."""
    statement, parameters = _upsert_one_sql(connection.dialect)
    later.append((statement, {**parameters, "yard_id": yard_id}))


def refresh(connection: Connection, *, yard_ids: Iterable[int]) -> None:
    """Rewrite the summary rows of ``yard_ids`` from their findings (a yard with nothing left
    to act on has no row)."""
    ids = sorted(set(yard_ids))
    if not ids:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_upsert_counts(lambda column: column.in_(ids)))
        return
    connection.execute(delete(_S).where(_S.c.yard_id.in_(ids)))
    connection.execute(insert(_S).from_select(_COLUMNS, _COUNTS.where(_F.c.yard_id.in_(ids))))


def rebuild_all(connection: Connection) -> None:
    """Every yard's row again (after a migration or a bulk change)."""
    connection.execute(delete(_S))
    connection.execute(insert(_S).from_select(_COLUMNS, _COUNTS))


# What ``row_of`` needs of each finding (the sync reads these with its own columns).
COLUMNS_READ = (
    "yard_id",
    "district_id",
    "micro_district_id",
    "state",
    "confirmed",
    "deadline_at",
    "reaudit_requested_at",
    "risk",
    "assigned_user_id",
)
_DELETE_ONE = delete(_S).where(_S.c.yard_id == bindparam("yard_id"))


def row_of(yard_id: int, findings: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The summary row of a yard from all of its findings (any kind), as ``refresh`` would
    aggregate it; None when nothing is left to act on (no row)."""
    row: dict[str, Any] | None = None
    for f in findings:
        state = f["state"]
        if state not in _OPEN:
            continue
        if row is None:
            row = {
                "yard_id": yard_id,
                "district_id": f["district_id"],
                "micro_district_id": f["micro_district_id"],
                "active": 0,
                "unconfirmed": 0,
                "awaiting": 0,
                "next_deadline": None,
                "reaudit_requested_at": None,
                "top_risk": None,
                "assigned_user_id": None,
            }
        else:
            # max() as the SQL does: NULLs are skipped.
            row["district_id"] = _max(row["district_id"], f["district_id"])
            row["micro_district_id"] = _max(row["micro_district_id"], f["micro_district_id"])
        if state in _ACTIVE:
            if f["confirmed"]:
                row["active"] += 1
                row["next_deadline"] = _min(row["next_deadline"], f["deadline_at"])
                row["top_risk"] = _max(row["top_risk"], f["risk"])
            else:
                row["unconfirmed"] += 1
        elif state == FindingState.fix_reported.value:
            row["awaiting"] += 1
        row["reaudit_requested_at"] = _max(row["reaudit_requested_at"], f["reaudit_requested_at"])
        row["assigned_user_id"] = _max(row["assigned_user_id"], f["assigned_user_id"])
    return row


def _max(a: Any, b: Any) -> Any:
    return b if a is None or (b is not None and b > a) else a


def _min(a: Any, b: Any) -> Any:
    return b if a is None or (b is not None and b < a) else a


def write(connection: Connection, *, yard_id: int, row: Mapping[str, Any] | None) -> None:
    """Store ``row`` (from ``row_of``) as the yard's summary, or remove it when None."""
    if row is None:
        connection.execute(_DELETE_ONE, {"yard_id": yard_id})
    else:
        writes.upsert_summary(connection, row)
