"""Password hashing (argon2), the signing secret, signed session cookies and CSRF tokens.

The session is a signed cookie ``<user id>.<session version>.<issued at>.<factors>.<signature>``:
no session table to clean up, and raising the user's ``session_version`` (password, role,
status or second factor changed, or logout) ends every cookie issued before. ``factors`` is 1
after the password alone and 2 once the second factor (TOTP) was passed; a one-factor session
of a user who needs two reaches only the code or enrolment page (``app.channels.web.auth_deps``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.platform.config import Settings

SESSION_COOKIE = "safeyard_session"
# Before login there is no session: the login form's token is bound to this random cookie.
PRE_SESSION_COOKIE = "safeyard_pre"
SESSION_MAX_AGE_S = 14 * 24 * 3600

password_hash = PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return password_hash.verify(password, hashed)


# Verified when the email is unknown, so an unknown account takes as long as a wrong password.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def secret_key(settings: Settings) -> str:
    """SAFEYARD_SECRET_KEY, or the key in ``data_dir/secret_key``, made on first start."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        # Written aside, then linked into place: workers starting together agree on one key.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, aside = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
        os.unlink(aside)
    return path.read_text().strip()


def _sign(key: str, purpose: str, value: str) -> str:
    digest = hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class SessionClaim:
    user_id: int
    version: int
    second_factor: bool = False


def session_cookie(key: str, *, user_id: int, version: int, second_factor: bool = False) -> str:
    value = f"{user_id}.{version}.{int(time.time())}.{2 if second_factor else 1}"
    return f"{value}.{_sign(key, 'session', value)}"


def read_session_cookie(key: str, cookie: str | None) -> SessionClaim | None:
    """The claim of a genuine, unexpired cookie; None otherwise."""
    if not cookie:
        return None
    value, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(_sign(key, "session", value), signature):
        return None
    try:
        user_id, version, issued, factors = (int(part) for part in value.split("."))
    except ValueError:
        return None
    if time.time() - issued > SESSION_MAX_AGE_S or factors not in (1, 2):
        return None
    return SessionClaim(user_id, version, factors == 2)


def csrf_token(key: str, binding: str) -> str:
    """The form token of one session (or pre-session): an HMAC of its cookie."""
    return _sign(key, "csrf", binding)


def csrf_valid(key: str, binding: str | None, token: str | None) -> bool:
    return bool(binding and token) and hmac.compare_digest(
        csrf_token(key, binding or ""), token or ""
    )
