"""GET /mine: "my checklists", the drafts, waiting and sent checklists kept on this phone.

The page is the same for everyone: static/js/mine.js draws the list from the browser's own
storage (static/js/queue.js, static/js/draft.js). Residents have no accounts and the server
never lists a result's link (it is the key to the result), so nothing personal is rendered
here, and the service worker may keep the page for offline use.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.platform.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/mine", response_class=HTMLResponse)
def my_checklists(request: Request) -> HTMLResponse:
    """The frame of the list and its interface strings; the rows come from the phone."""
    return render(request, "pages/mine.html")
