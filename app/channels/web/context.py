"""The application context as route dependencies: ``ContextDep`` and its parts.

``create_app`` puts its one ``AppContext`` on ``app.state.context``; this is the only place
that reads it, so every route says by its signature what it uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.types import Scope

from app.areas.kept import AreaKeeper
from app.areas.shapes import AreaShapes
from app.checklists.loader import ChecklistRegistry
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


async def get_checklists(context: ContextDep) -> ChecklistRegistry:
    return context.checklists


async def get_pdf(context: ContextDep) -> PdfRenderer:
    return context.pdf


async def get_area_keeper(context: ContextDep) -> AreaKeeper:
    return context.area_keeper


def get_area_shapes(context: ContextDep, session: SessionDep) -> AreaShapes:
    return context.area_keeper.shapes(session)


MonthsQuery = Annotated[
    int | None,
    Query(ge=1, le=120, description="Count only yards with a submission in this many months."),
]

SettingsDep = Annotated[Settings, Depends(get_settings_of)]
ChecklistsDep = Annotated[ChecklistRegistry, Depends(get_checklists)]
PdfDep = Annotated[PdfRenderer, Depends(get_pdf)]
AreaKeeperDep = Annotated[AreaKeeper, Depends(get_area_keeper)]
AreaShapesDep = Annotated[AreaShapes, Depends(get_area_shapes)]
