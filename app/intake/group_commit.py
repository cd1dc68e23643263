"""Group commit for the submissions API: one writer per process and event loop takes every
submission waiting, runs each in a savepoint of ONE write transaction, in one thread hop,
commits once, and answers each only after that commit.

A submission's failure rolls back its savepoint only and answers that one with its error;
a failure of the transaction (no turn at the write gate within the lock timeout, the commit
itself) answers every one of the batch with 503 + Retry-After and stores none of them. The
batch takes its turn at the write gate like any writer (``Database.writer_line`` then
``write_session``), so the form, the bot and staff pages keep writing beside it, and the
yard, its risk rows and its findings reflect a submission before its answer is sent.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio.to_thread
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from app.platform.db import Database
from app.platform.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# Where ``_in_savepoint`` leaves the savepoint it opened for one submission (PostgreSQL), in
# ``session.info``: the work takes it (``take_savepoint``) and rolls it back to undo itself,
# instead of nesting one more (two statements and two round trips a submission).
_SAVEPOINT = "safeyard.submission_savepoint"

# Enough to amortise a commit over a burst; small enough that one batch holds the write
# gate for tens of milliseconds at most (a submission's write is ~1-3 ms of CPU).
MAX_BATCH = 32


@dataclass
class _Waiting(Generic[T]):
    work: Callable[[Session], T]
    context: contextvars.Context  # the request's: its language, its log fields
    future: asyncio.Future[T]


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None


@dataclass
class GroupCommit:
    """The writer of one ``Database`` on one event loop (futures belong to their loop)."""

    db: Database
    max_batch: int = MAX_BATCH
    _waiting: list[_Waiting[Any]] = field(default_factory=list)
    _drain: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in the next batch's transaction; its value once committed.

        ``work`` runs in a worker thread with this request's context variables. It must not
        commit, and when it raises it must have undone its own writes (on PostgreSQL it also
        runs in a savepoint of its own, which it may take with ``take_savepoint``). Raises
        what ``work`` raised (nothing of it stored), or a 503 error when the batch's
        transaction could not be committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.append(_Waiting(work, contextvars.copy_context(), future))
        if self._drain is None:
            self._drain = loop.create_task(self._drain_waiting())
        return await future

    async def _drain_waiting(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: len(batch)]
                try:
                    async with self.db.writer_line():
                        outcomes = await anyio.to_thread.run_sync(self._write, batch)
                except Exception as exc:  # no place in line within the lock timeout
                    outcomes = [_Outcome(error=exc)] * len(batch)
                for waiting, outcome in zip(batch, outcomes, strict=True):
                    if waiting.future.done():  # the request was cancelled meanwhile
                        continue
                    if outcome.error is not None:
                        waiting.future.set_exception(outcome.error)
                    else:
                        waiting.future.set_result(outcome.value)
        finally:
            self._drain = None

    def _write(self, batch: list[_Waiting[Any]]) -> list[_Outcome]:
        """One transaction for the whole batch (in a worker thread)."""
        outcomes: list[_Outcome] = []
        try:
            with self.db.write_session() as session:
                # Begun here, where the gate's deadline is set: the SQLite busy wait (and
                # PostgreSQL's lock_timeout) get what is left of the writer's wait.
                session.connection()
                run_one = _on_its_own if self.db.is_sqlite else _in_savepoint
                unavailable: OperationalError | None = None
                for waiting in batch:
                    if waiting.future.cancelled():
                        outcomes.append(_Outcome())
                    elif unavailable is not None:
                        # The database is locked or gone: the rest are answered 503 at once,
                        # not each after a lock wait of its own (PostgreSQL's lock_timeout
                        # is per statement: 32 waits would be 32 timeouts).
                        outcomes.append(_Outcome(error=unavailable))
                    else:
                        outcome = waiting.context.run(run_one, session, waiting.work)
                        if isinstance(outcome.error, OperationalError):
                            unavailable = outcome.error
                        outcomes.append(outcome)
        except Exception as exc:
            # Nothing of the batch is stored: every one of them is answered 503, retryable.
            log.warning("a batch of %d submissions was not committed: %r", len(batch), exc)
            failure = exc if isinstance(exc, OperationalError | Unavailable) else None
            return [_Outcome(error=failure or _not_stored(exc)) for _ in batch]
        return outcomes


def _not_stored(cause: BaseException) -> Unavailable:
    error = Unavailable("The submission could not be stored; send it again (same id).")
    error.__cause__ = cause
    return error


def _on_its_own(session: Session, work: Callable[[Session], Any]) -> _Outcome:
    # SQLite: a failed statement undoes itself and leaves the transaction usable, and a work
    # that raises has undone its own writes (``receive_checklist`` writes in a savepoint of
    # its own), so no second savepoint (two statements a submission, ~5% of its CPU).
    try:
        return _Outcome(value=work(session))
    except Exception as exc:
        return _Outcome(error=exc)


def _in_savepoint(session: Session, work: Callable[[Session], Any]) -> _Outcome:
    # PostgreSQL: a failed statement aborts the whole transaction; in a savepoint of its own
    # the failure undoes this submission alone and leaves the batch's transaction usable.
    savepoint = session.begin_nested()
    session.info[_SAVEPOINT] = savepoint
    try:
        value = work(session)
    except Exception as exc:
        if savepoint.is_active:
            savepoint.rollback()
        return _Outcome(error=exc)
    finally:
        session.info.pop(_SAVEPOINT, None)
    if savepoint.is_active:  # not rolled back by the work (a retry found late does)
        savepoint.commit()
    return _Outcome(value=value)


def take_savepoint(session: Session) -> SessionTransaction | None:
    """The savepoint the writer opened for the work running now (PostgreSQL), once: the work
    rolls it back to undo its writes, and must not release it (the writer does). None when
    there is none (SQLite, another caller): the work opens its own."""
    savepoint: SessionTransaction | None = session.info.pop(_SAVEPOINT, None)
    return savepoint if savepoint is not None and savepoint.is_active else None


# One writer per database and loop; both weakly held (tests make many of each).
_WRITERS: weakref.WeakKeyDictionary[
    Database, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommit]
] = weakref.WeakKeyDictionary()


def writer_of(db: Database) -> GroupCommit:
    """The group-commit writer of ``db`` on the running event loop."""
    loop = asyncio.get_running_loop()
    by_loop = _WRITERS.get(db)
    if by_loop is None:
        by_loop = _WRITERS.setdefault(db, weakref.WeakKeyDictionary())
    writer = by_loop.get(loop)
    if writer is None:
        writer = by_loop.setdefault(loop, GroupCommit(db))
    return writer
