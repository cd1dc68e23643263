"""/privacy: what residents' data is kept, why, for how long and where (the admin's deletion
on request is app/channels/staff/privacy_requests.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.channels.web.context import SettingsDep
from app.platform.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(settings: SettingsDep, request: Request) -> HTMLResponse:
    context = {
        "photos_days": settings.retention_photos_days,
        "comments_days": settings.retention_comments_days,
        "login_hours": settings.retention_login_attempts_hours,
        "contact": settings.privacy_contact,
    }
    return render(request, "privacy/privacy.html", context)
