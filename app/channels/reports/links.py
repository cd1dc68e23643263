"""The addresses a printed report carries: the service's own public pages, under
``SAFEYARD_PUBLIC_BASE_URL`` (required in production, app/platform/config.py)."""

from __future__ import annotations

from app.platform.config import Settings

METHODOLOGY_PATH = "/methodology"  # app/channels/pages/methodology.py


def _base(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/")


def checklist_url(settings: Settings, *, yard_id: int) -> str:
    """Where a yard report's QR code points: the yard's checklist."""
    return f"{_base(settings)}/checklist?yard_id={yard_id}"


def telegram_url(settings: Settings, *, yard_id: int) -> str | None:
    """The bot opened at the yard's checklist (``/start yard_<id>``), printed beside the web
    checklist's QR code; None without ``SAFEYARD_TELEGRAM_BOT_USERNAME``."""
    username = (settings.telegram_bot_username or "").strip().lstrip("@")
    return f"https://t.me/{username}?start=yard_{yard_id}" if username else None


def methodology_url(settings: Settings) -> str:
    """The service's page on how the index is computed (the reports' methodology note)."""
    return f"{_base(settings)}{METHODOLOGY_PATH}"
