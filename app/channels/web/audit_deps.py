"""``AuditDep``: routers record a view in one line, ``audit(AuditAction.x, target)``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.models import User
from app.audit import service
from app.channels.web.auth_deps import CurrentUser
from app.platform.db import Database, DatabaseDep


class Auditor:
    """Records for one request's user and address. Each call writes its row in a write
    transaction of this request; a failure to write fails the request (never silently)."""

    def __init__(self, db: Database, user: User | None, ip: str) -> None:
        self.db = db
        self.user = user
        self.ip = ip

    def __call__(self, action: service.AuditAction, target: str) -> None:
        with self.db.write_session() as session:
            service.record(session, user=self.user, action=action, target=target, ip=self.ip)


def get_auditor(request: Request, db: DatabaseDep, user: CurrentUser) -> Auditor:
    return Auditor(db, user, request.client.host if request.client else "")


AuditDep = Annotated[Auditor, Depends(get_auditor)]
