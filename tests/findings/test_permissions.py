"""Who may do what to a finding (``app.findings.permissions.allowed``), state by state."""

from __future__ import annotations

import pytest

from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.findings.models import Finding, FindingState
from app.findings.permissions import Action, Actor, allowed

YARD = 7
A = Action


def finding(state: FindingState = FindingState.open, *, confirmed: bool = True) -> Finding:
    return Finding(
        id=1,
        yard_id=YARD,
        item_id="lighting.at_night",
        district_id="almaly",
        micro_district_id="882a100d6bfffff",
        body_id="almaly-housing",
        state=state,
        confirmed=confirmed,
        risk=1.0,
        basis="inspector_audit",
        checklist_version="2026.2",
    )


ACTORS = {
    "admin": Actor(1, UserRole.admin, Scope(UserRole.admin, city_wide=True)),
    "inspector": Actor(
        2, UserRole.inspector, Scope(UserRole.inspector, district_ids=frozenset({"almaly"}))
    ),
    "other_inspector": Actor(
        3, UserRole.inspector, Scope(UserRole.inspector, district_ids=frozenset({"medeu"}))
    ),
    "member": Actor(4, UserRole.official, Scope(UserRole.official), frozenset({"almaly-housing"})),
    "other_body": Actor(5, UserRole.official, Scope(UserRole.official), frozenset({"medeu-x"})),
    "keeper": Actor(
        6, UserRole.cooperative, Scope(UserRole.cooperative, yard_ids=frozenset({YARD}))
    ),
    "other_keeper": Actor(
        7, UserRole.cooperative, Scope(UserRole.cooperative, yard_ids=frozenset({YARD + 1}))
    ),
}

OPEN = {
    "admin": {A.mark_sent, A.reroute, A.assign, A.start_work, A.report_fix, A.not_ours},
    "inspector": {A.mark_sent, A.reroute, A.assign, A.start_work, A.report_fix},
    "other_inspector": set(),
    "member": {A.start_work, A.report_fix, A.not_ours},
    "other_body": set(),
    "keeper": {A.report_fix, A.request_reaudit},
    "other_keeper": set(),
}


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_an_open_confirmed_finding(who: str) -> None:
    assert allowed(ACTORS[who], finding()) == OPEN[who]


def test_an_unconfirmed_finding_is_not_sent() -> None:
    assert A.mark_sent not in allowed(ACTORS["admin"], finding(confirmed=False))


def test_in_progress() -> None:
    f = finding(FindingState.in_progress)
    assert allowed(ACTORS["member"], f) == {A.report_fix, A.not_ours}
    assert allowed(ACTORS["inspector"], f) == {A.reroute, A.assign, A.report_fix}


def test_fix_reported_awaits_a_check() -> None:
    f = finding(FindingState.fix_reported)
    assert allowed(ACTORS["member"], f) == set()
    assert allowed(ACTORS["keeper"], f) == {A.request_reaudit}
    assert allowed(ACTORS["inspector"], f) == {A.reroute, A.assign}


@pytest.mark.parametrize("state", [FindingState.verified, FindingState.withdrawn])
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_closed_findings_allow_nothing(state: FindingState, who: str) -> None:
    assert allowed(ACTORS[who], finding(state)) == frozenset()


def test_who_sees_it() -> None:
    f = finding()
    seen = {who for who, actor in ACTORS.items() if actor.may_see(f)}
    assert seen == {"admin", "inspector", "member", "keeper"}
