"""Keeping a yard's ``yard_risk`` row current from its submissions in the window.

Each submission refreshes its yard in the intake's transaction (``refresh_yard_risk``); the
daily ``safeyard refresh-areas`` only moves every yard's window (``refresh_all_yard_risks``).
The row's shape and its readers are ``app.yards.risk``.
"""

from __future__ import annotations

import json
import uuid
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, String, Text, bindparam, cast, select, type_coerce
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.platform import pipeline
from app.platform.db import table_of, utcnow
from app.scoring import ScoreResult
from app.submissions.models import Submission
from app.yards.consensus import Basis, Consensus, consensus
from app.yards.models import Yard
from app.yards.risk import write_yard_risk, yard_risk_values
from app.yards.risk_tally import kept_ids, tallied_combine

_SUBMISSION = table_of(Submission)
_YARD = table_of(Yard)
# Bounded: one yard's submissions in the window, read through (yard_id, received_at), without
# their answers (~1.4 KB a row as text) once the yard's tally is warm: consensus() then
# parses only a few rows' answers (the latest audit, the cooperatives', the residents' the
# tally does not hold yet), read by id when first needed (_Answers).
# The ids as the driver gives them: on SQLite the stored hex string, not a uuid.UUID made for
# each row (with their hashing in the tally, a third of a large window's cost).
_WINDOW_COLUMNS = (
    type_coerce(_SUBMISSION.c.id, String).label("id"),
    _SUBMISSION.c.role,
    _SUBMISSION.c.checklist_version,
    _SUBMISSION.c.received_at,
    _SUBMISSION.c.risk_index,
)
_IN_WINDOW = (
    _SUBMISSION.c.yard_id == bindparam("yard_id"),
    _SUBMISSION.c.received_at >= bindparam("since"),
)
_ORDER = (_SUBMISSION.c.received_at.desc(), _SUBMISSION.c.id)
_RECENT = select(*_WINDOW_COLUMNS).where(*_IN_WINDOW).order_by(*_ORDER)
# A recomputation without a new submission (the daily refresh) reads every resident's
# answers anyway (its findings count them): the window with its answers, in one query.
_RECENT_ANSWERS = (
    select(*_WINDOW_COLUMNS, cast(_SUBMISSION.c.answers, Text).label("answers_text"))
    .where(*_IN_WINDOW)
    .order_by(*_ORDER)
)
_ANSWERS = select(_SUBMISSION.c.id, cast(_SUBMISSION.c.answers, Text)).where(
    _SUBMISSION.c.id.in_(bindparam("ids", expanding=True))
)
# Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters.
_ANSWERS_CHUNK = 1000
_YARD_PLACE = select(
    _YARD.c.micro_district_id, _YARD.c.district_id, _YARD.c.last_submission_at
).where(_YARD.c.id == bindparam("yard_id"))


@dataclass(frozen=True)
class Stored:
    """The submission the caller has just stored in this transaction, already scored."""

    id: Any
    role: str
    checklist_version: str
    answers: dict[str, str]
    score: ScoreResult
    received_at: datetime | None = None


class _StoredRow(NamedTuple):
    """The stored submission as the one row of a window that holds nothing else."""

    id: Any
    role: str
    checklist_version: str
    received_at: datetime


class WindowRead:
    """The window's read as driver SQL (PostgreSQL), for the caller to send with its own
    statements (``pipeline.send_together``) before ``refresh_yard_risk(sent=...)`` at
    ``now``. A statement's snapshot is taken when it starts, so it must follow the statement
    that locks the yard's row (the submission's count), as it would be run alone."""

    def __init__(
        self, connection: Connection, *, yard_id: int, window_days: int, now: datetime
    ) -> None:
        self.now = now
        self.with_answers = kept_ids(yard_id) is None
        query = _RECENT_ANSWERS if self.with_answers else _RECENT
        self.read = pipeline.query(query, connection.dialect).read(
            yard_id=yard_id, since=now - timedelta(days=window_days)
        )

    def rows(self) -> list[Any]:
        row = _row_type(tuple(self.read.rows[0])) if self.read.rows else tuple
        return [row(*r.values()) for r in self.read.rows]


@cache
def _row_type(names: tuple[str, ...]) -> Any:
    return namedtuple("WindowRow", names)  # noqa: PYI024


@dataclass(frozen=True)
class Refreshed:
    """A yard's consensus as just written, and where the yard lies."""

    consensus: Consensus
    micro_district_id: str | None
    district_id: str
    # The window's submissions (role, answers) when the consensus was combined from them;
    # empty when it is the one submission just stored.
    window: Sequence[Any] = ()


class _Answers:
    """The answers of a window's rows, read by id when one is first needed: on the first
    need, those of the rows in ``wanted`` with it (what consensus() is expected to parse),
    in one query; on a later need, those of every row of that row's role and version not
    read yet (a tally rebuilt: another version, a submission rolled back), so never one
    query a row."""

    def __init__(self, connection: Connection, wanted: set[Any]) -> None:
        self._connection = connection
        self._wanted: set[Any] | None = wanted
        self._texts: dict[Any, str] = {}
        self.rows: Sequence[_Recent] = ()

    def of(self, row: _Recent) -> dict[str, str]:
        text = self._texts.pop(row.id, None)
        if text is None:
            if self._wanted is not None:
                ids, self._wanted = self._wanted | {row.id}, None
            else:
                ids = {
                    r.id
                    for r in self.rows
                    if r.role == row.role
                    and r.checklist_version == row.checklist_version
                    and not r.loaded
                    and r.id not in self._texts
                } | {row.id}
            self._read(ids)
            text = self._texts.pop(row.id, None)
            if text is None:  # pragma: no cover - the window was read in this transaction
                raise LookupError(
                    f"submission {row.id} left the database during its yard's refresh"
                )
        answers: dict[str, str] = json.loads(text)
        return answers

    def _read(self, ids: set[Any]) -> None:
        chunk = list(ids)
        for start in range(0, len(chunk), _ANSWERS_CHUNK):
            part = chunk[start : start + _ANSWERS_CHUNK]
            bound = [uuid.UUID(k) if isinstance(k, str) else k for k in part]
            for id_, text in self._connection.execute(_ANSWERS, {"ids": bound}):
                self._texts[id_.hex if isinstance(part[0], str) else id_] = text


class _Recent:
    """A window row in the shape ``consensus`` reads; its answers are parsed on first use
    (most rows are only counted, or already in the yard's tally), and read then unless the
    row brought them."""

    __slots__ = (
        "id",
        "role",
        "checklist_version",
        "received_at",
        "risk_index",
        "_source",
        "_answers",
    )

    def __init__(self, row: Any, source: _Answers | str, answers: dict[str, str] | None) -> None:
        self.id = row.id
        self.role: str = row.role
        self.checklist_version: str = row.checklist_version
        self.received_at: datetime = row.received_at
        self.risk_index: float | None = row.risk_index
        self._source = source
        self._answers = answers

    @property
    def loaded(self) -> bool:
        return self._answers is not None

    @property
    def answers(self) -> dict[str, str]:
        if self._answers is None:
            source = self._source
            self._answers = json.loads(source) if isinstance(source, str) else source.of(self)
        return self._answers


_BASIS_OF_ROLE: dict[str, Basis] = {
    "inspector": "inspector_audit",
    "resident": "residents_median",
    "cooperative": "cooperative",
}


def _only_stored(recent: Sequence[Any], stored: Stored | None) -> bool:
    """The window holds nothing but the submission just stored (scored with its own role,
    as consensus() scores each instrument): its consensus is the submission itself."""
    return (
        stored is not None
        and len(recent) == 1
        and recent[0].id == stored.id
        and stored.role in _BASIS_OF_ROLE
    )


def _window(
    connection: Connection,
    yard_id: int,
    recent: Sequence[Any],
    stored: Stored | None,
    *,
    with_answers: bool,
) -> list[_Recent]:
    """The window's rows for consensus(), the stored submission's answers already known;
    ``with_answers``: the rows brought their answers (``_RECENT_ANSWERS``)."""
    own = {stored.id: stored.answers} if stored is not None else {}
    if with_answers or stored is None:
        return [_Recent(r, r.answers_text, own.get(r.id)) for r in recent]
    reader = _Answers(connection, _expected(yard_id, recent) - own.keys())
    rows = [_Recent(r, reader, own.get(r.id)) for r in recent]
    reader.rows = rows
    return rows


def _expected(yard_id: int, recent: Sequence[Any]) -> set[Any]:
    """The rows whose answers consensus() is expected to parse: the latest audit, the
    cooperatives', the newest resident's (its unscored answers are echoed) and the
    residents' the yard's tally does not hold."""
    kept = kept_ids(yard_id)
    wanted: set[Any] = set()
    audit = resident = False
    for r in recent:
        if r.role == "inspector" and not audit:
            audit = True
            wanted.add(r.id)
        elif r.role == "cooperative":
            wanted.add(r.id)
        elif r.role == "resident" and (not resident or kept is None or r.id not in kept):
            resident = True
            wanted.add(r.id)
    return wanted


def refresh_yard_risk(
    session: Session,
    *,
    yard_id: int,
    registry: ChecklistRegistry,
    window_days: int,
    disagreement_points: float,
    now: datetime | None = None,
    stored: Stored | None = None,
    place: tuple[str | None, str] | None = None,
    first_of_yard: bool = False,
    sent: WindowRead | None = None,
) -> Refreshed:
    """Recompute one yard's ``yard_risk`` row from its own submissions in the window;
    returns the consensus it was built from, for what follows from it (the findings).

    Runs inside the caller's transaction (after a submission's insert, passed as ``stored``
    so its answers and score are not read back and computed again, with its yard's
    ``place``: micro-district and district ids; ``first_of_yard`` when the yard had no
    submission before it). On PostgreSQL the yard's
    row is already locked by the submission count, so two submissions to one yard replace
    the row one after the other. ``sent``: the window's read, already sent by the caller.
    """
    now = sent.now if sent is not None else (now or utcnow())
    # Core on the session's connection: the ORM's statement handling is not needed here.
    connection = session.connection()
    since = now - timedelta(days=window_days)
    recent: Sequence[Any]
    with_answers = False
    if (
        first_of_yard
        and stored is not None
        and stored.received_at is not None
        and stored.received_at >= since
        and stored.role in _BASIS_OF_ROLE
    ):
        # The yard's first submission ever (its counter, read under the row's lock, just
        # became 1): the window is that submission alone, so it is not read back.
        recent = (_StoredRow(stored.id, stored.role, stored.checklist_version, stored.received_at),)
    else:
        # A cold tally (the yard's first consensus in this process) parses every resident's
        # answers, as a recomputation does: they come with the window, in one query.
        if sent is not None:
            with_answers, recent = sent.with_answers, sent.rows()
        else:
            with_answers = stored is None or kept_ids(yard_id) is None
            query = _RECENT_ANSWERS if with_answers else _RECENT
            recent = connection.execute(query, {"yard_id": yard_id, "since": since}).all()
        if stored is not None and recent and isinstance(recent[0].id, str):
            stored = replace(stored, id=getattr(stored.id, "hex", stored.id))  # as the rows
    if stored is not None and recent and place is not None:
        # The yard's latest submission is the newest in its window (received_at is never
        # later than now); the yard's place was just read by the caller.
        micro_district_id, district_id = place
        last_submission_at = recent[0].received_at
    else:
        yard = connection.execute(_YARD_PLACE, {"yard_id": yard_id}).one()
        micro_district_id, district_id = yard.micro_district_id, yard.district_id
        last_submission_at = yard.last_submission_at
    window: Sequence[Any] = ()
    if stored is not None and _only_stored(recent, stored):
        loaded = registry.get(stored.checklist_version)
        role = stored.role
        index = stored.score.risk_index
        found = Consensus(
            basis=_BASIS_OF_ROLE[role],
            loaded=loaded,
            answers=stored.answers,
            score=stored.score,
            residents=int(role == "resident"),
            audits=int(role == "inspector"),
            last_audit_at=recent[0].received_at if role == "inspector" else None,
            residents_index=index if role == "resident" else None,
            inspector_index=index if role == "inspector" else None,
            cooperatives=int(role == "cooperative"),
            cooperative_index=index if role == "cooperative" else None,
        )
    else:
        found = consensus(
            registry,
            window := _window(connection, yard_id, recent, stored, with_answers=with_answers),
            combine_residents=tallied_combine(yard_id),
            now=now,
        )
    values = yard_risk_values(
        found,
        yard_id=yard_id,
        micro_district_id=micro_district_id,
        district_id=district_id,
        last_submission_at=last_submission_at,
        window_days=window_days,
        disagreement_points=disagreement_points,
        now=now,
    )
    write_yard_risk(session, values)
    return Refreshed(
        found, micro_district_id=micro_district_id, district_id=district_id, window=window
    )


def refresh_all_yard_risks(
    session: Session,
    *,
    registry: ChecklistRegistry,
    window_days: int,
    disagreement_points: float,
    now: datetime | None = None,
    each: Callable[[int, Refreshed], None] | None = None,
) -> int:
    """Move every yard's window to ``now``: recompute each row from the submissions still in
    it (an audit ages out, a yard stops counting as audited); returns how many yards were
    refreshed. Submissions keep the rows current themselves; run this daily
    (``safeyard refresh-areas``)."""
    ids = session.execute(select(_YARD.c.id).order_by(_YARD.c.id)).scalars().all()
    for yard_id in ids:
        refreshed = refresh_yard_risk(
            session,
            yard_id=yard_id,
            registry=registry,
            window_days=window_days,
            disagreement_points=disagreement_points,
            now=now,
        )
        if each is not None:
            each(yard_id, refreshed)
    return len(ids)
