"""Chats with residents and staff on a messenger (Telegram): who is talking to SafeYard, the
conversation in progress, the updates already handled, subscriptions and staff links."""
