"""The Telegram bot's settings, part of ``Settings`` (prefix ``SAFEYARD_``; docs/TELEGRAM.md)."""

from pydantic import BaseModel, Field


class TelegramSettings(BaseModel):
    """Mixed into ``app.platform.config.Settings``. Without a token the bot is off and
    ``/telegram/webhook`` answers 404; the rest of the service runs as before."""

    telegram_token: str | None = Field(
        default=None,
        description="The bot's token from @BotFather. Unset: no bot (the webhook answers 404).",
    )
    telegram_webhook_secret: str | None = Field(
        default=None,
        description="The secret Telegram sends in X-Telegram-Bot-Api-Secret-Token with every "
        "webhook call (1-256 characters A-Z a-z 0-9 _ -); set-webhook registers it. Unset: the "
        "webhook answers 404 (long polling still works).",
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="The Bot API server: Telegram's, or a local telegram-bot-api server.",
    )
    telegram_bot_username: str | None = Field(
        default=None,
        description="The bot's @username without the @, for t.me links (the yard report's QR "
        "code opens https://t.me/<username>?start=yard_<id>).",
    )
    telegram_conversation_ttl_hours: float = Field(
        default=48.0,
        gt=0,
        description="An unfinished conversation (its answers, its chosen yard and location) is "
        "forgotten this many hours after its last message.",
    )
    telegram_rate_limit_per_minute: int = Field(
        default=60,
        gt=0,
        description="Updates one chat may send per minute (an in-process token bucket per "
        "worker); more are ignored with one short warning.",
    )
