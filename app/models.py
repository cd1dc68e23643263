"""Every table, imported in one place for Alembic and create_all."""

from app.accounts.models import (
    LoginAttempt,
    User,
    UserDistrict,
    UserMicroDistrict,
    UserYard,
)
from app.audit.models import AuditEvent
from app.bodies.models import Body, BodyItem, BodyMember, YardCooperative
from app.chats.models import Chat, ChatConversation, ChatLinkCode, ChatSubscription, ChatUpdate
from app.checklists.models import ChecklistVersion
from app.districts.models import District, MicroDistrict
from app.findings.models import Finding, FindingEvent, ProblemReport, YardFindings
from app.offences.models import Offence, OffenceImport
from app.outbox.models import OutboxMessage
from app.photos.models import Photo
from app.submissions.models import Submission, SubmissionRedaction
from app.validation.models import ValidationRun
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

__all__ = [
    "LoginAttempt",
    "User",
    "UserDistrict",
    "UserMicroDistrict",
    "UserYard",
    "AuditEvent",
    "Body",
    "BodyItem",
    "BodyMember",
    "YardCooperative",
    "Chat",
    "ChatConversation",
    "ChatLinkCode",
    "ChatSubscription",
    "ChatUpdate",
    "ChecklistVersion",
    "District",
    "MicroDistrict",
    "Finding",
    "FindingEvent",
    "ProblemReport",
    "YardFindings",
    "Offence",
    "OffenceImport",
    "OutboxMessage",
    "Photo",
    "SubmissionRedaction",
    "Submission",
    "ValidationRun",
    "Yard",
    "YardRisk",
]
