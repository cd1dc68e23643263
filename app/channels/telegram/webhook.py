"""POST /telegram/webhook: Telegram's updates, checked by their secret header."""

from __future__ import annotations

import hmac
import logging
import sys

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.channels.web.context import context_of
from app.context import AppContext
from app.platform.errors import AppError
from app.platform.translations import gettext

log = logging.getLogger("safeyard")
router = APIRouter(tags=["telegram"])

# Telegram's updates are small; anything far larger is not one.
MAX_UPDATE_BYTES = 64 * 1024


class NoBot(AppError):
    status_code = 404
    code = "no_bot"


class WrongSecret(AppError):
    status_code = 403
    code = "wrong_secret"


@router.post(
    "/telegram/webhook",
    responses={
        200: {"description": "Handled, or ignored (not an update, or handled before)."},
        403: {"description": "X-Telegram-Bot-Api-Secret-Token is missing or wrong."},
        404: {"description": "No bot: SAFEYARD_TELEGRAM_TOKEN or its webhook secret unset."},
    },
)
async def telegram_webhook(request: Request) -> Response:
    """An update from Telegram. Whatever its content it is answered 200 (else Telegram
    redelivers it again and again); the reply may carry one Bot API call.

    Header: ``X-Telegram-Bot-Api-Secret-Token``, the webhook's secret."""
    # The raw request, no parameters: FastAPI has nothing to solve or validate per update.
    secret = request.headers.get("x-telegram-bot-api-secret-token")
    app = context_of(request.scope)
    expected = app.settings.telegram_webhook_secret
    if not app.settings.telegram_token or not expected:
        raise NoBot(gettext("There is no Telegram bot on this service."))
    # Imported here: aiogram takes ~3 s to import, paid only by a service with a bot.
    from app.channels.telegram.runtime import channel_of

    channel = channel_of(app)
    if channel is None:
        raise NoBot(gettext("There is no Telegram bot on this service."))
    # Constant time: the secret is the webhook's only credential.
    if not hmac.compare_digest((secret or "").encode(), expected.encode()):
        raise WrongSecret(gettext("Wrong or missing X-Telegram-Bot-Api-Secret-Token."))
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        return Response(status_code=200)
    try:
        reply = await channel.process(body, webhook=True)
    except Exception:
        # Telegram redelivers an update it got no 200 for, for a day: a bug here must cost
        # this update, not a storm of redeliveries. Logged with its trace for the fix.
        log.exception("telegram update not handled")
        return Response(status_code=200)
    if reply is None:
        return Response(status_code=200)
    return JSONResponse(reply)


async def close(app: AppContext) -> None:
    """At shutdown: close the bot's HTTP session, if this process made a bot (the runtime,
    and aiogram with it, is imported only by the first update: nothing to import here)."""
    runtime = sys.modules.get("app.channels.telegram.runtime")
    if runtime is not None:
        await runtime.close_channel(app)
