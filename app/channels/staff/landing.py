"""Where a login lands when it was not going anywhere in particular (``next`` is the home
page): a cooperative on its yards, an official on its body's findings, staff where they were."""

from __future__ import annotations

from app.accounts.models import User, UserRole

HOME = "/"
LANDINGS = {UserRole.cooperative: "/my-yards", UserRole.official: "/body"}


def landing(user: User, next_url: str) -> str:
    """``next_url``, or the role's own page instead of the residents' home page."""
    if next_url != HOME:
        return next_url
    return LANDINGS.get(UserRole(user.role), HOME)
