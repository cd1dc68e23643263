"""Sending a conversation's checklist through the intake, and the result in the chat's words.

The intake is the web's (``app.intake.service.receive_checklist``) with the submission id
chosen when the conversation started: a second "send" (a double tap, a redelivered update)
is the intake's replay of the same submission, never a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlmodel import Session

from app.channels.telegram.store import Conversation
from app.channels.telegram.texts import _
from app.checklists.loader import LoadedChecklist
from app.context import AppContext
from app.intake import service as intake
from app.platform.languages import Lang
from app.submissions import service as submissions_service
from app.submissions.schemas import LocationIn, SubmissionCreate, SubmissionResult

BAND_WORDS = {
    "low": "Low risk",
    "moderate": "Moderate risk",
    "high": "High risk",
    "critical": "Critical risk",
}
TOP_FIXES = 3


@dataclass(frozen=True)
class Sent:
    result: SubmissionResult
    created: bool


def submission_of(conversation: Conversation, loaded: LoadedChecklist) -> SubmissionCreate:
    location = None
    if conversation.latitude is not None and conversation.longitude is not None:
        location = LocationIn(lat=conversation.latitude, lon=conversation.longitude)
    return SubmissionCreate(
        id=conversation.submission_id,
        checklist_version=loaded.version,
        location=location,
        yard_id=conversation.yard_id,
        answers=dict(conversation.answers),
    )


def send(
    session: Session,
    *,
    conversation: Conversation,
    loaded: LoadedChecklist,
    app: AppContext,
    lang: Lang,
) -> Sent:
    """Store the checklist (once) in the caller's transaction and return its result.
    Raises the intake's AppError (Invalid, Unavailable...) unchanged."""
    received = intake.receive_checklist(
        session,
        data=submission_of(conversation, loaded),
        registry=app.checklists,
        areas=app.areas,
        settings=app.settings,
        role="resident",
    )
    result = submissions_service.result_of(
        received.submission, registry=app.checklists, lang=lang, score=received.score
    )
    return Sent(result, received.created)


def result_text(result: SubmissionResult, *, base_url: str, lang: Lang) -> str:
    """The web result page's essentials: index, band, what to fix first and who fixes it,
    and links to the page and its PDF (the id in them is the resident's key)."""
    lines: list[str] = []
    if result.risk_index is None or result.band is None:
        lines.append(_("Too few answers for an index."))
    else:
        band = _(BAND_WORDS.get(result.band, result.band))
        lines.append(
            _(
                "<b>Risk index: %(index)s / 100</b> — %(band)s",
                index=round(result.risk_index),
                band=band,
            )
        )
    if result.top_factors:
        lines += ["", _("<b>What to fix first</b>")]
        for number, factor in enumerate(result.top_factors[:TOP_FIXES], start=1):
            who = ", ".join(party.label for party in factor.responsible)
            lines.append(f"{number}. <b>{escape(factor.question)}</b> — {escape(factor.answer)}")
            lines.append(f"   {escape(factor.remedy)}")
            if who:
                lines.append("   " + _("Who fixes it: %(who)s", who=who))
            lines.append("   " + _("Index if fixed: %(index)s", index=round(factor.index_if_fixed)))
    page = f"{base_url.rstrip('/')}/result/{result.id}"
    page_url, pdf_url = f"{page}?lang={lang}", f"{page}/report.pdf?lang={lang}"
    lines += [
        "",
        _("The whole result: %(url)s", url=page_url),
        _("PDF: %(url)s", url=pdf_url),
        _("Keep these links: they are your only key to the result."),
    ]
    return "\n".join(lines)
