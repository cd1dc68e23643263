"""``safeyard telegram set-webhook | delete-webhook | poll | forget``: the bot's operations
(docs/TELEGRAM.md). Registered on the ``safeyard`` command in app/channels/cli/main.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer

from app.platform.config import Settings, get_settings

telegram_cli = typer.Typer(help="The Telegram bot (SAFEYARD_TELEGRAM_TOKEN).", no_args_is_help=True)

# Update kinds the bot reads; Telegram sends no others (no edited messages, no group events).
ALLOWED_UPDATES = ["message", "callback_query"]


def _settings_with_token() -> Settings:
    settings = get_settings()
    if not settings.telegram_token:
        typer.echo("SAFEYARD_TELEGRAM_TOKEN is not set: there is no bot", err=True)
        raise typer.Exit(2)
    return settings


@telegram_cli.command("set-webhook")
def set_webhook(
    url: Annotated[
        str | None,
        typer.Option(
            help="The public HTTPS address; default SAFEYARD_PUBLIC_BASE_URL/telegram/webhook."
        ),
    ] = None,
) -> None:
    """Tell Telegram to send updates to the service's /telegram/webhook, with the secret."""
    from app.channels.telegram.runtime import make_bot

    settings = _settings_with_token()
    if not settings.telegram_webhook_secret:
        typer.echo(
            "SAFEYARD_TELEGRAM_WEBHOOK_SECRET is not set: the webhook would answer 404", err=True
        )
        raise typer.Exit(2)
    target = url or f"{settings.public_base_url.rstrip('/')}/telegram/webhook"
    assert settings.telegram_token

    async def run() -> None:
        bot = make_bot(settings.telegram_token or "", settings.telegram_api_url)
        try:
            await bot.set_webhook(
                target,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        finally:
            await bot.session.close()

    asyncio.run(run())
    typer.echo(f"webhook set: {target}")


@telegram_cli.command("delete-webhook")
def delete_webhook(
    drop_pending: Annotated[
        bool, typer.Option("--drop-pending", help="Also drop waiting updates.")
    ] = False,
) -> None:
    """Stop the webhook (for long polling, or to switch the bot off)."""
    from app.channels.telegram.runtime import make_bot

    settings = _settings_with_token()

    async def run() -> None:
        bot = make_bot(settings.telegram_token or "", settings.telegram_api_url)
        try:
            await bot.delete_webhook(drop_pending_updates=drop_pending)
        finally:
            await bot.session.close()

    asyncio.run(run())
    typer.echo("webhook deleted")


@telegram_cli.command()
def poll(
    timeout: Annotated[int, typer.Option(help="Long-polling timeout in seconds.")] = 25,
    once: Annotated[bool, typer.Option("--once", help="One getUpdates round, then exit.")] = False,
) -> None:
    """Long polling for development: the same conversation as the webhook, without a public
    address. Deletes the webhook first (Telegram allows one or the other)."""
    from app.channels.telegram.runtime import TelegramChannel
    from app.context import build_context
    from app.platform.observability.logging import configure_logging

    settings = _settings_with_token()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    app = build_context(settings)
    app.load_areas()
    channel = TelegramChannel(app)

    async def run() -> None:
        bot = channel.bot()
        await bot.delete_webhook(drop_pending_updates=False)
        offset = 0
        try:
            while True:
                updates = await bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
                )
                for update in updates:
                    offset = max(offset, update.update_id + 1)
                    raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
                    await channel.process(raw, webhook=False)
                if once:
                    return
        finally:
            await bot.session.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    finally:
        app.db.dispose()


@telegram_cli.command()
def forget(
    keep_updates_hours: Annotated[
        int, typer.Option(help="Keep handled update ids this long.")
    ] = 48,
) -> None:
    """Delete expired conversations and old handled update ids (run daily, with purge)."""
    from app.channels.telegram import store
    from app.platform.db import Database, utcnow

    settings = get_settings()
    db = Database(settings.database_url, lock_timeout_s=settings.database_lock_timeout_s)
    try:
        with db.write_session() as session:
            conversations, updates = store.forget_old(
                session, now=utcnow(), keep_updates=timedelta(hours=keep_updates_hours)
            )
    finally:
        db.dispose()
    typer.echo(f"forgotten: {conversations} expired conversations, {updates} update ids")
