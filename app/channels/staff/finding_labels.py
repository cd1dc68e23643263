"""A finding's states, actions, actors and bodies in the page's language, and the checklist
item a finding is about (its question and remedy, from the finding's checklist version)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from app.channels.web.context import context_of
from app.platform import translations
from app.platform.translations import gettext as _


def state_label(state: str | None) -> str:
    labels = {
        "open": _("Not yet with its body"),
        "sent": _("With its body"),
        "in_progress": _("Being fixed"),
        "fix_reported": _("Fix reported, to verify"),
        "verified": _("Verified fixed"),
        "withdrawn": _("Withdrawn"),
    }
    return labels.get(state or "", state or "—")


def action_label(action: str) -> str:
    labels = {
        "opened": _("Found"),
        "reopened": _("Reopened: the item fails again"),
        "confirmed": _("Confirmed"),
        "withdrawn": _("Withdrawn: the answers no longer fail the item"),
        "verified": _("Verified"),
        "fix_not_confirmed": _("The audit found the item still failing after the fix"),
        "routed": _("Routed"),
        "sent": _("Sent to the body"),
        "mark_sent": _("Filed with the body"),
        "start_work": _("Work started"),
        "report_fix": _("Fix reported"),
        "not_ours": _("“Not ours”: sent back"),
        "reroute": _("Rerouted"),
        "assign": _("Assigned"),
        "request_reaudit": _("Re-audit requested"),
        "recomputed": _("Recomputed for a new checklist version"),
        "reported": _("Reported by a resident"),
        "accept_report": _("Report accepted"),
        "reject_report": _("Report rejected"),
    }
    return labels.get(action, action)


def actor_label(actor: str) -> str:
    labels = {
        "system": _("SafeYard"),
        "inspector_audit": _("Inspector audit"),
        "residents": _("Residents' checks"),
        "cooperative": _("Housing cooperative"),
        "inspector": _("Inspector"),
        "admin": _("Administrator"),
        "official": _("Staff of the body"),
        "resident": _("Resident"),
    }
    return labels.get(actor, actor)


def channel_label(channel: str) -> str:
    labels = {
        "email": _("By e-mail (SafeYard sends it)"),
        "eotinish": _("Through eOtinish (staff file it and type the reference)"),
        "phone": _("By phone (staff call and type the reference)"),
    }
    return labels.get(channel, channel)


def body_name(body: object | None) -> str:
    """A body's name in the page's language (Russian when it has none in it)."""
    if body is None:
        return _("No body yet")
    lang = translations.current_lang.get()
    name = {"kk": getattr(body, "name_kk", None), "en": getattr(body, "name_en", None)}.get(lang)
    return str(name or getattr(body, "name", ""))


@dataclass(frozen=True)
class ItemText:
    question: str
    remedy: str | None


def item_text(request: Request, *, version: str, item_id: str) -> ItemText:
    """The item's question (its label) and remedy in the page's language, from the
    finding's checklist version, else the current one; the id when neither has it."""
    checklists = context_of(request.scope).checklists
    lang = translations.current_lang.get()
    for loaded in (checklists.get(version), checklists.current):
        item = loaded.items_by_id.get(item_id) if loaded is not None else None
        if item is not None:
            return ItemText(item.question.get(lang), item.remedy.get(lang) if item.remedy else None)
    return ItemText(item_id, None)
