"""The staff audit log: who opened which yard, report or export, and what admins changed."""
