"""Findings: a failing checklist item at a yard, owned by the body that fixes it, followed
from open to verified (``app.findings.service``; the rules in ``app.findings.rules``)."""
