"""create_app(): settings, database, checklists, routers and error handlers."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.channels.api import areas as areas_api
from app.channels.api import basemap as basemap_api
from app.channels.api import checklists as checklists_api
from app.channels.api import health
from app.channels.api import inspectors as inspectors_api
from app.channels.api import metrics as observability_api
from app.channels.api import open311 as open311_api
from app.channels.api import photos as photos_api
from app.channels.api import places as places_api
from app.channels.api import submissions as submissions_api
from app.channels.api import yards as yards_api
from app.channels.pages import methodology as methodology_pages
from app.channels.pages import mine as mine_pages
from app.channels.pages import privacy as privacy_pages
from app.channels.pages import public_map as public_map_pages
from app.channels.pages import residents as pages
from app.channels.pwa import app_shell as pwa
from app.channels.reports import appeal_routes as appeal_pages
from app.channels.reports import downloads as reports_pages
from app.channels.reports import render as reports_render
from app.channels.staff import audit_log as audit_pages
from app.channels.staff import bodies as bodies_pages
from app.channels.staff import body_page as body_pages
from app.channels.staff import evidence as evidence_pages
from app.channels.staff import finding_page as finding_pages
from app.channels.staff import finding_photos as finding_photo_pages
from app.channels.staff import inspectors as inspectors_pages
from app.channels.staff import login as login_pages
from app.channels.staff import login_steps, privacy_requests
from app.channels.staff import my_yards as my_yards_pages
from app.channels.staff import outbox_page as outbox_pages
from app.channels.staff import photo_moderation as photos_pages
from app.channels.staff import queue as queue_pages
from app.channels.staff import report_photo as report_photo_pages
from app.channels.staff import telegram_link as telegram_link_pages
from app.channels.staff import users as users_pages
from app.channels.telegram import webhook as telegram_webhook
from app.channels.web import auth as accounts_web
from app.channels.web import auth_deps
from app.channels.web.language import LanguageMiddleware
from app.checklists.service import sync_versions
from app.context import build_context
from app.notifications.sender import start_worker as start_sender
from app.platform.config import Settings, get_settings
from app.platform.errors import install_error_handlers
from app.platform.limits import BodySizeLimit
from app.platform.observability import metrics
from app.platform.observability.logging import configure_logging
from app.platform.observability.middleware import RequestObservability
from app.platform.security import headers as security_headers
from app.platform.security import methods as security_methods
from app.platform.security.openapi import declare_constraints, declare_refusals
from app.platform.security.privacy import install_log_filter
from app.platform.security.ratelimit import RateLimit, limits_of, make_backend
from app.platform.static_files import mount_static
from app.platform.templating import environment

log = logging.getLogger("safeyard")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. A broken checklist file fails here, naming the file and item."""
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    context = build_context(settings)
    db = context.db

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with db.write_session() as session:
            sync_versions(session, registry=context.checklists)
        if context.load_areas() is None:
            log.warning(
                "no district boundaries loaded: run 'safeyard import-districts' "
                "or 'safeyard demo'; submissions by location answer 503 until then"
            )
        if settings.report_warm_up:  # the render process loads fonts while idle
            context.pdf.start(reports_render.warm_up)
        # The outbox sender in a thread (docs/NOTIFICATIONS.md); off by default.
        stop_sender = (
            start_sender(db, settings=settings, registry=context.checklists)
            if settings.notifications_worker
            else None
        )
        if settings.gc_freeze:
            # What is alive now lives as long as the process (a cycle made later still goes).
            gc.collect()
            gc.freeze()
        yield
        if stop_sender is not None:
            stop_sender()
        await telegram_webhook.close(context)
        context.pdf.close()
        await context.health.close()
        db.dispose()
        metrics.worker_stopped()

    app = FastAPI(
        title="SafeYard API",
        version="0.1.0",
        summary="The Almaty yard safety checklist: explainable risk scoring of courtyards.",
        lifespan=lifespan,
        # Off by default: they load Swagger UI / ReDoc from a CDN (docs/SECURITY.md).
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        # The service's metrics are its own (/metrics); FastAPI's OpenTelemetry would look up
        # three providers on every request (~8 us of each POST's event loop) to find none.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # The one object routes read through app.channels.web.context; nothing else on app.state.
    app.state.context = context
    install_error_handlers(app)
    environment.globals.update(accounts_web.PAGE_HELPERS)
    accounts_web.install(app, key=context.secret_key)  # CSRF inside the language middleware
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.photo_max_bytes,
    )
    # Outside the body limit: a refused client costs no body reading; inside the language
    # middleware: its page speaks the reader's language.
    app.add_middleware(
        RateLimit,
        limits=limits_of(settings),
        backend=make_backend(settings.redis_url),
        is_staff=accounts_web.is_staff,
    )
    app.add_middleware(LanguageMiddleware)
    # Outermost: the request id and timing cover every other middleware and error page; it
    # also gzips what gains from it (no GZip layer of its own: docs/PERFORMANCE.md).
    app.add_middleware(RequestObservability)
    app.include_router(checklists_api.router)
    app.include_router(submissions_api.router)
    app.include_router(photos_api.router)
    app.include_router(yards_api.router)
    app.include_router(areas_api.router)
    app.include_router(basemap_api.router)
    app.include_router(places_api.router)
    app.include_router(open311_api.router)
    app.include_router(inspectors_api.router)
    app.include_router(health.router)
    app.include_router(observability_api.router)
    app.include_router(reports_pages.router)
    app.include_router(appeal_pages.router)
    app.include_router(pages.router)
    app.include_router(inspectors_pages.router)
    app.include_router(photos_pages.router)
    app.include_router(pwa.router)
    app.include_router(audit_pages.router)
    app.include_router(privacy_pages.router)
    app.include_router(mine_pages.router)
    app.include_router(methodology_pages.router)
    app.include_router(public_map_pages.router)
    app.include_router(privacy_requests.router)
    app.include_router(login_pages.router)
    app.include_router(login_steps.router)
    app.include_router(users_pages.router)
    app.include_router(outbox_pages.router)
    app.include_router(bodies_pages.router)
    app.include_router(queue_pages.router)
    app.include_router(evidence_pages.router)
    app.include_router(finding_pages.router)
    app.include_router(my_yards_pages.router)
    app.include_router(body_pages.router)
    app.include_router(finding_photo_pages.router)
    app.include_router(telegram_webhook.router)
    app.include_router(telegram_link_pages.router)
    app.include_router(report_photo_pages.router)
    mount_static(app)
    security_headers.install(app, settings)  # around everything, 500s included
    # After every router: role-guarded routes document 401/403.
    declare_refusals(app, guard=auth_deps.current_user)
    # Enums from the checklists; the 400, 413 and 503 of the platform.
    declare_constraints(app, registry=context.checklists)
    security_methods.install(app)  # after every route: OPTIONS and 405 list all methods
    install_log_filter()  # no query string (a resident's location) in uvicorn's access log
    return app
