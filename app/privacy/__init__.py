"""Residents' personal data: retention (purge) and deletion on request (redaction)."""
