"""The Telegram bot: a channel like the web pages, calling the same intake (docs/TELEGRAM.md).

``conversation`` is the state machine (sync, in one database transaction per update);
``runtime`` parses updates and talks to the Bot API through aiogram; ``webhook`` is the
FastAPI route; ``app.channels.cli.telegram`` the commands.
"""
