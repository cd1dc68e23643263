"""Keeping a yard's findings in step with its answers, in the intake's transaction.

``sync_yard`` runs after the yard's consensus is rebuilt (every submission, the daily refresh,
a new checklist version). It opens a finding per failing item, routed to its body; confirms
it when the consensus rests on an audit, the cooperative or two residents; withdraws an
unconfirmed one the answers no longer fail. Only a submission (``Trigger``) verifies or
reopens: an inspector audit that finds the item passing verifies it, residents' checks after
a reported fix verify it by the rule in docs/FINDINGS.md, a failing answer reopens a verified
finding. A recomputation without a submission never verifies anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.findings import notices, rules, summary, writes, yard_reads
from app.findings.models import OPEN_STATES, FindingState
from app.findings.routing import Router
from app.findings.yard_reads import Place, YardReads
from app.platform import pipeline
from app.platform.config import Settings
from app.platform.db import utcnow
from app.yards.consensus import Consensus

CHECKLIST = "checklist"
# Who opened or changed a finding, in words, by the consensus it was read from.
_ACTOR_OF_BASIS = {
    "inspector_audit": "inspector_audit",
    "residents_median": "residents",
    "cooperative": "cooperative",
}


@dataclass(frozen=True)
class Trigger:
    """The submission this sync follows from: its role and its own item risks."""

    role: str
    risks: Mapping[str, float]


class _Sync:
    def __init__(
        self,
        session: Session,
        *,
        place: Place,
        settings: Settings,
        now: datetime,
        router: Router | None = None,
    ) -> None:
        self.session = session
        self.place = place
        self.settings = settings
        self.now = now
        self.events: list[dict[str, Any]] = []
        self._router = router  # None: read when first needed

    @property
    def router(self) -> Router:
        if self._router is None:
            self._router = Router.for_yard(
                self.session,
                yard_id=self.place.yard_id,
                district_id=self.place.district_id,
                default_deadline_days=self.settings.finding_deadline_days,
            )
        return self._router

    def event(
        self, row: Mapping[str, Any], to_state: str, action: str, actor: str, **extra: Any
    ) -> None:
        self.events.append(self.event_of(row, to_state, action, actor, **extra))

    def event_of(
        self, row: Mapping[str, Any], to_state: str, action: str, actor: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "finding_id": row["id"],
            "at": self.now,
            "from_state": extra.pop("from_state", row["state"]),
            "to_state": to_state,
            "actor_user_id": None,
            "actor": actor,
            "action": action,
            "reason": extra.pop("reason", None),
            "body_id": extra.pop("body_id", row.get("body_id")),
            "details": extra,
        }

    def routed(self, item_id: str, refused: list[str], confirmed: bool) -> dict[str, Any]:
        route = self.router.route(item_id, refused=refused)
        deadline = self.now + route.deadline if (confirmed and route.deadline) else None
        return {"body_id": route.body_id, "deadline_at": deadline}


def sync_yard(
    session: Session,
    *,
    place: Place,
    consensus: Consensus,
    settings: Settings,
    trigger: Trigger | None = None,
    window_reports: Mapping[str, int] | None = None,
    now: datetime | None = None,
    new_yard: bool = False,
    sent: YardReads | None = None,
) -> int:
    """Bring one yard's checklist findings in step with ``consensus`` (the yard's current
    answers); returns how many findings changed. Never commits.

    ``window_reports``: for a recomputation (no ``trigger``), per item the residents' checks
    in the window that failed it (``rules.resident_fail_counts``), which confirm as a
    trigger's reports would. ``new_yard``: the yard was created in this transaction, so it
    has no findings to read (one statement less for most submissions of a growing city).
    ``sent``: the yard's reads, already sent by the caller with its own statements."""
    now = now or utcnow()
    threshold = settings.finding_risk
    risks = rules.item_risks(consensus)
    fails = rules.failing(risks, threshold=threshold)
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    existing: dict[str, dict[str, Any]] = {}
    other_kinds: list[dict[str, Any]] = []
    found_rows, router = yard_reads.read_yard(
        connection, place, settings, new_yard=new_yard, fails=fails, sent=sent
    )
    for found in found_rows:
        if found["kind"] == CHECKLIST:
            existing[found["item_id"]] = dict(found)
        else:
            other_kinds.append(dict(found))
    if not fails and not existing:
        return 0
    sync = _Sync(session, place=place, settings=settings, now=now, router=router)
    resident_fails = {
        item
        for item, own in (trigger.risks.items() if trigger and trigger.role == "resident" else ())
        if own >= threshold
    }
    actor = _ACTOR_OF_BASIS.get(consensus.basis, "system")
    version = consensus.loaded.version if consensus.loaded else ""
    changes: dict[str, dict[str, Any]] = {}
    # Per item, each changed column's value as read (the columns the sync reads).
    stored: dict[str, dict[str, Any]] = {}

    def change(row: dict[str, Any], **values: Any) -> None:
        before = stored.setdefault(row["item_id"], {})
        for name in values.keys() - before.keys():
            if name in row:
                before[name] = row[name]
        row.update(values)
        changes.setdefault(row["item_id"], {}).update(values)

    # A resident's failing answer counts towards confirming the item's finding, also while
    # it is verified or withdrawn (an audit may rule the yard until more residents answer).
    for item_id in resident_fails:
        row = existing.get(item_id)
        if row is not None and not (row["confirmed"] and row["state"] in OPEN_STATES):
            change(row, resident_reports=row["resident_reports"] + 1)

    for item_id, count in (window_reports or {}).items():
        row = existing.get(item_id)
        if row is not None and count > row["resident_reports"] and not row["confirmed"]:
            change(row, resident_reports=count)

    new_rows: list[dict[str, Any]] = []
    for item_id, risk in fails.items():
        row = existing.get(item_id)
        if row is None:
            reports = int(item_id in resident_fails) + (window_reports or {}).get(item_id, 0)
            confirmed = rules.is_confirmed(consensus, reports=reports)
            values = {
                "yard_id": place.yard_id,
                "item_id": item_id,
                "kind": CHECKLIST,
                "district_id": place.district_id,
                "micro_district_id": place.micro_district_id,
                "state": FindingState.open,
                "confirmed": confirmed,
                "confirmed_at": now if confirmed else None,
                "resident_reports": reports,
                "risk": risk,
                "basis": consensus.basis,
                "checklist_version": version,
                "opened_at": now,
                "updated_at": now,
                "refused_by": [],
                "reaudit_requested_at": None,
                "assigned_user_id": None,
                "resident_passes": 0,
                "resident_fails": 0,
                "reopened": 0,
                **sync.routed(item_id, [], confirmed),
            }
            new_rows.append(values)
            continue
        if row["state"] in (FindingState.verified, FindingState.withdrawn):
            # Only a new answer that itself fails the item reopens it; a moved window or a
            # new checklist version does not.
            if trigger is None or trigger.risks.get(item_id, 0.0) < threshold:
                continue
            confirmed = rules.is_confirmed(consensus, reports=row["resident_reports"])
            sync.event(row, FindingState.open, "reopened", actor)
            change(
                row,
                state=FindingState.open,
                reopened=row["reopened"] + (row["state"] == FindingState.verified),
                confirmed=confirmed,
                confirmed_at=now if confirmed else None,
                sent_at=None,
                reference=None,
                fix_reported_at=None,
                fix_date=None,
                fix_note=None,
                fix_photo=None,
                verified_at=None,
                verified_how=None,
                resident_passes=0,
                resident_fails=0,
                reaudit_requested_at=None,
                **sync.routed(item_id, list(row["refused_by"] or []), confirmed),
            )
        elif not row["confirmed"] and rules.is_confirmed(
            consensus, reports=row["resident_reports"]
        ):
            sync.event(row, row["state"], "confirmed", actor)
            values = {"confirmed": True, "confirmed_at": now}
            if row["body_id"] is None or row["deadline_at"] is None:
                values.update(sync.routed(item_id, list(row["refused_by"] or []), True))
            change(row, **values)
        if (row["risk"], row["basis"], row["checklist_version"]) != (
            risk,
            consensus.basis,
            version,
        ):
            change(row, risk=risk, basis=consensus.basis, checklist_version=version)

    # PostgreSQL: the writes below go in one round trip (the new findings' ids come back
    # with it; their "opened" history rows are written with them, in the same place).
    later: pipeline.Later | None = None if sqlite else []
    opened_at = len(sync.events)
    if new_rows and later is None:
        # One statement for a new yard's findings, their ids returned by item.
        ids = writes.insert_findings(connection, new_rows)
        for values in new_rows:
            values["id"] = ids[values["item_id"]]
            sync.event(values, FindingState.open, "opened", actor, from_state=None)

    for item_id, row in existing.items():
        if (
            item_id not in fails
            and item_id in risks
            and not row["confirmed"]
            and row["state"] in OPEN_STATES
        ):
            sync.event(row, FindingState.withdrawn, "withdrawn", actor)
            change(row, state=FindingState.withdrawn, risk=risks[item_id])

    if trigger is not None:
        _verify(sync, existing, trigger, change)

    # One UPDATE whatever columns each finding changes (a new check usually moves the risk
    # of every failing item: a statement per row was most of the intake's cost).
    # SQLite: a column set to the value it has stays out of the SET list, as SQLite rewrites
    # its index entries and checks its foreign key all the same (a confirmed finding's body,
    # routed again to the one it has: a third of the confirming UPDATE's cost). PostgreSQL
    # compares the values itself.
    updated = [
        {**(_changed(v, stored[i]) if sqlite else v), "updated_at": now, "id": existing[i]["id"]}
        for i, v in changes.items()
    ]
    writes.update_findings(connection, updated, later=later)
    if later is None:
        writes.insert_events(connection, sync.events)
    else:
        opened = sync.event_of(
            {"id": None, "state": None}, FindingState.open, "opened", actor, from_state=None
        )
        writes.insert_events(connection, sync.events[:opened_at], later=later)
        inserted = writes.insert_opened(connection, new_rows, opened)
        later.extend(inserted)
        writes.insert_events(connection, sync.events[opened_at:], later=later)
    if changes or new_rows:
        if later is None:
            # Counted from the rows in hand: SQLite's write transaction is exclusive, so they
            # are every finding of the yard as it now is.
            rows = (*existing.values(), *new_rows, *other_kinds)
            summary.write(
                connection, yard_id=place.yard_id, row=summary.row_of(place.yard_id, rows)
            )
        else:
            # PostgreSQL: a staff action or a report may have committed a change of this
            # yard's findings since the read; the aggregate, run now, sees it.
            summary.refresh_later(connection, yard_id=place.yard_id, later=later)
    if later:
        pipeline.send_together(connection, later)
        ids = {r["item_id"]: r["id"] for read in inserted for r in read.rows}
        for values in new_rows:
            values["id"] = ids[values["item_id"]]
        sync.events[opened_at:opened_at] = [
            sync.event_of(values, FindingState.open, "opened", actor, from_state=None)
            for values in new_rows
        ]
    # Only a finding this sync leaves confirmed, open and with a body that may take e-mail
    # can be due to go to it (what ``notices.after_events`` asks the database): the others'
    # events (most of a busy yard's) need no query. It reads the history just written.
    router = sync._router  # when read: its bodies' channels
    due = {
        r["id"]
        for r in (*existing.values(), *new_rows)
        if r["confirmed"]
        and r["state"] == FindingState.open
        and r["body_id"] is not None
        and (router is None or router.may_mail(r["body_id"]))
    }
    routing = [e for e in sync.events if e["finding_id"] in due]
    if routing:
        notices.after_events(session, events=routing)  # e-mail bodies
    return len(changes) + len(new_rows)


def _changed(values: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` but those a column already stores: equal, of one type, and (a float) of
    one sign (1 == 1.0 == True and 0.0 == -0.0 are stored apart)."""
    return {
        name: value
        for name, value in values.items()
        if name not in stored
        or not (
            type(value) is type(old := stored[name])
            and value == old
            and (
                not isinstance(value, float) or math.copysign(1.0, value) == math.copysign(1.0, old)
            )
        )
    }


def _verify(
    sync: _Sync, existing: dict[str, dict[str, Any]], trigger: Trigger, change: Any
) -> None:
    """What the submission just stored says of the findings still open."""
    threshold = sync.settings.finding_risk
    for item_id, row in existing.items():
        own = trigger.risks.get(item_id)
        if own is None or row["state"] not in OPEN_STATES:
            continue
        fix_reported = row["state"] == FindingState.fix_reported
        if trigger.role == "inspector":
            if own < threshold:
                how = "audit_after_fix" if fix_reported else "audit_without_fix"
                sync.event(row, FindingState.verified, "verified", "inspector_audit", how=how)
                change(
                    row,
                    state=FindingState.verified,
                    verified_at=sync.now,
                    verified_how=how,
                    resident_reports=0,
                )
            elif fix_reported:
                sync.event(row, FindingState.in_progress, "fix_not_confirmed", "inspector_audit")
                change(row, state=FindingState.in_progress, resident_passes=0, resident_fails=0)
        elif trigger.role == "resident" and fix_reported:
            passes = row["resident_passes"] + (own < threshold)
            fails = row["resident_fails"] + (own >= threshold)
            change(row, resident_passes=passes, resident_fails=fails)
            if passes >= sync.settings.finding_resident_checks and passes > fails:
                sync.event(row, FindingState.verified, "verified", "residents", how="residents")
                change(
                    row,
                    state=FindingState.verified,
                    verified_at=sync.now,
                    verified_how="residents",
                    resident_reports=0,
                )
