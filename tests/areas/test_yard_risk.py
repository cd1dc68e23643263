"""The yard_risk row is kept current by each submission, in the same transaction."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.intake import service as intake_service
from app.platform.config import Settings
from app.scoring import score_answers
from app.submissions.schemas import SubmissionCreate
from app.submissions.yard_risk import refresh_all_yard_risks
from app.yards import service as yards_service
from app.yards.risk_models import YardRisk
from tests.factories import answers_for


def _submit(
    session: Session,
    registry: ChecklistRegistry,
    settings: Settings,
    *,
    yard_id: int,
    answers: dict[str, str],
    role: str = "resident",
) -> None:
    data = SubmissionCreate.model_validate(
        {
            "id": str(uuid.uuid4()),
            "checklist_version": registry.current.version,
            "yard_id": yard_id,
            "answers": answers,
        }
    )
    intake_service.receive_checklist(
        session, data=data, registry=registry, areas=None, settings=settings, role=role
    )


def _yard(session: Session) -> int:
    yard = yards_service.create_yard(
        session, lat=43.25, lon=76.91, district_id="almaly", micro_district_id=None, address=None
    )
    assert yard.id is not None
    return yard.id


class TestYardRiskOnSubmit:
    def test_residents_median_then_an_audit_takes_over(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        loaded = registry.current
        yard_id = _yard(session)
        worst, best = answers_for(loaded, pick="worst"), answers_for(loaded, pick="best")
        for answers in (worst, best, best):
            _submit(session, registry, settings, yard_id=yard_id, answers=answers)
        row = session.get(YardRisk, yard_id)
        assert row is not None
        best_index = score_answers(loaded.scoring, best, role="resident").risk_index
        assert row.basis == "residents_median" and row.residents == 3
        assert row.risk_index == best_index == row.residents_index
        assert row.inspector_audits == 0 and row.disagreement is None and not row.disagrees

        audit = answers_for(loaded, pick="worst", role="inspector")
        _submit(session, registry, settings, yard_id=yard_id, answers=audit, role="inspector")
        session.expire_all()
        row = session.get(YardRisk, yard_id)
        assert row is not None
        audit_index = score_answers(loaded.scoring, audit, role="inspector").risk_index
        assert audit_index is not None and best_index is not None
        assert row.basis == "inspector_audit" and row.inspector_audits == 1
        assert row.risk_index == audit_index == row.inspector_index
        assert row.residents_index == best_index
        assert row.disagreement == abs(audit_index - best_index) >= settings.disagreement_points
        assert row.disagrees and row.last_audit_at is not None
        # Worst answers: no cameras linked to the police centre, no panic button.
        assert not row.ops_centre and not row.panic_button

    def test_a_safe_audit_counts_cameras_and_panic_button(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard_id = _yard(session)
        audit = answers_for(registry.current, pick="best", role="inspector")
        _submit(session, registry, settings, yard_id=yard_id, answers=audit, role="inspector")
        row = session.get(YardRisk, yard_id)
        assert row is not None and row.ops_centre and row.panic_button
        assert row.disagreement is None  # no residents to disagree with

    def test_refresh_all_rebuilds_rows(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard_id = _yard(session)
        _submit(
            session,
            registry,
            settings,
            yard_id=yard_id,
            answers=answers_for(registry.current),
        )
        refreshed = refresh_all_yard_risks(
            session,
            registry=registry,
            window_days=0,  # an empty window: every yard falls out of it
            disagreement_points=settings.disagreement_points,
        )
        assert refreshed >= 1
        session.expire_all()
        row = session.get(YardRisk, yard_id)
        assert row is not None and row.basis == "none" and row.risk_index is None
