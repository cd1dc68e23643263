"""What each kind of outbox message says, and to whom: composed when it is sent, from the
rows as they are then, in Russian and Kazakh.

A letter names a yard by its public label, area, nearest street and coordinates, links to the
yard's public page and to the finding's staff page (login required), the checklist item and
what the checklist says to do, the deadline. Never a submission id, a resident's words,
photos or anything a resident typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.accounts.models import User
from app.bodies.models import Body, BodyChannel
from app.checklists.loader import ChecklistRegistry
from app.findings import notices
from app.findings.finding_view import yard_names
from app.findings.models import Finding, FindingState
from app.notifications.letters import Letter, Part, day, write
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.translations import current_lang, gettext
from app.yards.models import Yard
from app.yards.naming import yard_place

NOTE = "mail.note"  # a plain message (safeyard send-notifications --test-to)
DIGEST_BODY = "digest.body"
DIGEST_INSPECTOR = "digest.inspector"
FINDING_PAGE = "/inspector/findings/{id}"


class NotSent(Exception):
    """The message is not to be sent (its finding moved on, no recipient): recorded, not
    retried."""


@dataclass(frozen=True)
class Composed:
    letter: Letter
    # After delivery: move the finding to "sent" (finding id, body id).
    delivers: tuple[int, str] | None = None
    # A demo body (synthetic): never sent anything, whatever its address.
    synthetic: bool = False
    # The deadline the letter names (the finding's, once delivered).
    deadline: datetime | None = None


class Composer:
    def __init__(
        self, session: Session, *, settings: Settings, registry: ChecklistRegistry, now: datetime
    ) -> None:
        self.session = session
        self.settings = settings
        self.registry = registry
        self.now = now
        self.base = settings.public_base_url.rstrip("/")

    def compose(self, message: OutboxMessage) -> Composed:
        handlers: dict[str, Callable[[dict[str, Any]], Composed]] = {
            notices.TO_BODY: self._to_body,
            notices.REAUDIT: self._reaudit,
            DIGEST_BODY: self._digest,
            DIGEST_INSPECTOR: self._digest,
            NOTE: self._note,
        }
        handler = handlers.get(message.kind)
        if handler is None:
            raise NotSent(f"unknown kind {message.kind}")
        return handler({**message.payload, "_kind": message.kind})

    # -- the pieces every letter about a finding has

    def _item(self, finding: Finding) -> tuple[str, str | None]:
        lang = current_lang.get()
        for loaded in (self.registry.get(finding.checklist_version), self.registry.current):
            item = loaded.items_by_id.get(finding.item_id) if loaded is not None else None
            if item is not None:
                remedy = item.remedy.get(lang) if item.remedy else None
                return item.question.get(lang), remedy
        return finding.item_id, None

    def _yard(self, part: Part, yard: Yard, *, with_links: bool = True) -> None:
        names = yard_names(self.session, yard=yard, lang=current_lang.get())
        place = yard_place(lat=yard.lat, lon=yard.lon)
        part.pair(gettext("Yard"), names.label)
        area = names.area or names.district
        if area not in names.label:  # the label usually ends with them
            part.pair(gettext("Area"), area)
        part.pair(gettext("Where"), place.near)
        part.pair(gettext("Coordinates"), f"{yard.lat:.5f}, {yard.lon:.5f}")
        if with_links:
            part.link(gettext("The yard's public page"), f"{self.base}/yards/{yard.id}")
            part.link(gettext("On the map (2GIS)"), place.twogis_url)
            part.link(gettext("On the map (OpenStreetMap)"), place.osm_url)

    def _label(self, yard: Yard) -> str:
        return yard_names(self.session, yard=yard, lang=current_lang.get()).label

    def _finding(self, finding_id: int) -> tuple[Finding, Yard]:
        finding = self.session.get(Finding, finding_id)
        yard = self.session.get(Yard, finding.yard_id) if finding is not None else None
        if finding is None or yard is None:
            raise NotSent("the finding is gone")
        return finding, yard

    def _staff_link(self, part: Part, finding: Finding) -> None:
        part.link(
            gettext("The finding in SafeYard (staff login)"),
            self.base + FINDING_PAGE.format(id=finding.id),
        )

    # -- the kinds

    def _to_body(self, payload: dict[str, Any]) -> Composed:
        finding, yard = self._finding(payload["finding_id"])
        body = self.session.get(Body, payload["body_id"])
        if body is None or not notices.is_deliverable(finding, body_id=body.id):
            raise NotSent("not sent: the finding is no longer open with this body")
        if body.channel != BodyChannel.email or not body.email:
            raise NotSent("not sent: the body takes no e-mail (staff file it)")
        deadline = notices.delivery_deadline(
            self.session,
            finding=finding,
            now=self.now,
            default_days=self.settings.finding_deadline_days,
        )

        def subject() -> str:
            return gettext("SafeYard: a problem in %(yard)s", yard=self._label(yard))

        def part(p: Part) -> None:
            name = {"kk": body.name_kk}.get(current_lang.get()) or body.name
            p.heading = gettext("To %(body)s: a yard safety problem to fix", body=name)
            p.para(
                gettext(
                    "SafeYard, Almaty's yard safety checklist, asks you to fix a problem in a "
                    "yard you are responsible for. It was confirmed by an inspector's audit, "
                    "the housing cooperative or several residents."
                )
            )
            question, remedy = self._item(finding)
            p.pair(gettext("Checklist question"), question)
            p.pair(gettext("What to do"), remedy)
            p.pair(gettext("Please fix it by"), day(deadline))
            self._yard(p, yard)
            self._staff_link(p, finding)
            p.para(
                gettext(
                    "When it is fixed, report it on the finding's page (date and a photo): an "
                    "inspector then checks the yard again. If this yard is not yours, say so "
                    "there and it goes to the right body. This message was sent automatically."
                )
            )

        assert body.id is not None and finding.id is not None
        return Composed(
            write(body.email, subject=subject, part=part),
            delivers=(finding.id, body.id),
            synthetic=body.synthetic,
            deadline=deadline,
        )

    def _inspector(self, user_id: int) -> User:
        user = self.session.get(User, user_id)
        if user is None or not user.active:
            raise NotSent("not sent: the account is gone or inactive")
        return user

    def _reaudit(self, payload: dict[str, Any]) -> Composed:
        finding, yard = self._finding(payload["finding_id"])
        user = self._inspector(payload["user_id"])
        if finding.state != FindingState.fix_reported:
            raise NotSent("not sent: the fix is no longer awaiting verification")
        again = payload.get("round", 1) > 1

        def subject() -> str:
            label = self._label(yard)
            if again:
                return gettext("SafeYard: still to re-audit, %(yard)s", yard=label)
            return gettext("SafeYard: a fix to re-audit, %(yard)s", yard=label)

        def part(p: Part) -> None:
            p.heading = gettext("A reported fix awaits your re-audit")
            if again:
                p.para(
                    gettext(
                        "The fix below was reported %(days)s or more days ago and no audit "
                        "has verified it yet.",
                        days=self.settings.reaudit_reminder_days,
                    )
                )
            else:
                p.para(gettext("The body responsible reports the problem below fixed."))
            question, _ = self._item(finding)
            p.pair(gettext("Checklist question"), question)
            p.pair(gettext("Fixed on (as reported)"), day(finding.fix_date))
            p.pair(gettext("Reported on"), day(finding.fix_reported_at))
            self._yard(p, yard)
            self._staff_link(p, finding)

        return Composed(write(user.email, subject=subject, part=part))

    def _digest(self, payload: dict[str, Any]) -> Composed:
        if payload["_kind"] == DIGEST_BODY:
            body = self.session.get(Body, payload["body_id"])
            if body is None or not body.active or not body.email:
                raise NotSent("not sent: the body is gone, inactive or has no address")
            to, synthetic = body.email, body.synthetic
            names = {"ru": body.name, "kk": body.name_kk or body.name}
        else:
            user = self._inspector(payload["user_id"])
            to, synthetic = user.email, False
            names = {"ru": user.name, "kk": user.name}
        if not any(payload["counts"].values()):
            raise NotSent("skipped: nothing to report")

        def titles(since: str) -> dict[str, str]:
            return {
                "new": gettext("New findings since %(since)s", since=since),
                "overdue": gettext("Past their deadline"),
                "awaiting": gettext("Fixes awaiting verification"),
            }

        def subject() -> str:
            return gettext("SafeYard: findings for %(date)s", date=payload["period"])

        def part(p: Part) -> None:
            p.heading = gettext("Findings digest: %(name)s", name=names[current_lang.get()])
            since = day(datetime.fromisoformat(payload["since"]))
            for key, title in titles(since).items():
                ids = payload[key]
                lines = [self._digest_line(i) for i in ids]
                more = payload["counts"][key] - len(ids)
                if more > 0:
                    lines.append(gettext("and %(n)s more", n=more))
                if lines:
                    p.items(f"{title} ({payload['counts'][key]})", lines)
            p.link(gettext("Your findings in SafeYard (staff login)"), f"{self.base}/login")

        return Composed(write(to, subject=subject, part=part), synthetic=synthetic)

    def _digest_line(self, finding_id: int) -> str:
        finding = self.session.get(Finding, finding_id)
        yard = self.session.get(Yard, finding.yard_id) if finding is not None else None
        if finding is None or yard is None:
            return "—"
        question, _ = self._item(finding)
        deadline = gettext("deadline %(date)s", date=day(finding.deadline_at))
        url = self.base + FINDING_PAGE.format(id=finding.id)
        return f"{self._label(yard)}: {question} ({deadline}) {url}"

    def _note(self, payload: dict[str, Any]) -> Composed:
        def subject() -> str:
            return str(payload["subject"])

        def part(p: Part) -> None:
            p.heading = str(payload["subject"])
            p.para(str(payload["text"]))

        return Composed(write(payload["to"], subject=subject, part=part))
