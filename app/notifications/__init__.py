"""Notifications that reach people: e-mail to the body a finding is routed to, digests per body
and per inspector, re-audit reminders. Composed from the outbox (``app.outbox``) and sent by
one sender at a time (``sender.Sender``), run by ``safeyard send-notifications`` or a worker
thread of the service (``SAFEYARD_NOTIFICATIONS_WORKER``). See docs/NOTIFICATIONS.md."""
