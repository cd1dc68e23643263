"""The application context as route dependencies: ``ContextDep`` and its parts.

``create_app`` puts its one ``AppContext`` on ``app.state.context``. Routes take it (or a part)
by their signature; code without a ``Request`` uses ``context_of``. Besides these, only the
platform's session dependency (``app.platform.db``) and the language cookie's flag read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.types import Scope

from app.areas.shapes import AreaShapes
from app.context import AppContext
from app.platform.config import Settings
from app.platform.db import SessionDep
from app.platform.pdf.renderer import PdfRenderer


def context_of(scope: Scope) -> AppContext:
    """The context of the app serving ``scope`` (for middleware, which has no ``Request``)."""
    context: AppContext = scope["app"].state.context
    return context


async def get_context(request: Request) -> AppContext:
    return context_of(request.scope)


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_settings_of(context: ContextDep) -> Settings:
    return context.settings


async def get_pdf(context: ContextDep) -> PdfRenderer:
    return context.pdf


def get_area_shapes(context: ContextDep, session: SessionDep) -> AreaShapes:
    return context.area_keeper.shapes(session)


MonthsQuery = Annotated[
    int | None,
    Query(ge=1, le=120, description="Count only yards with a submission in this many months."),
]

SettingsDep = Annotated[Settings, Depends(get_settings_of)]
PdfDep = Annotated[PdfRenderer, Depends(get_pdf)]
AreaShapesDep = Annotated[AreaShapes, Depends(get_area_shapes)]
