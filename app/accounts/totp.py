"""Time-based one-time passwords (RFC 6238, pyotp): secrets, sealing, codes and the QR.

A secret is stored sealed (Fernet) with a key derived from the signing key, so a copy of the
database alone (a backup) does not give anyone the staff's second factors. Changing
SAFEYARD_SECRET_KEY makes the sealed secrets unreadable: every user then enrols again
(an admin resets them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken

ISSUER = "SafeYard"
STEP_S = 30
# Codes of the step before and after are accepted too: a phone's clock a little off.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh 160-bit base32 secret (what authenticator apps expect)."""
    return pyotp.random_base32(32)


def _fernet(key: str) -> Fernet:
    derived = hmac.new(key.encode(), b"safeyard-totp-secret", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(key: str, secret: str) -> str:
    return _fernet(key).encrypt(secret.encode()).decode()


def unseal(key: str, sealed: str) -> str | None:
    """The secret, or None when it was sealed with another key."""
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def matching_step(
    secret: str, code: str, *, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step whose code this is (now, or one step either side), or None.

    A step at or before ``last_step`` never matches: a code, once used, is refused (replay).
    """
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_S)
    current = int((time.time() if now is None else now) // STEP_S)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_S), code):
            return step
    return None


def provisioning_uri(secret: str, *, email: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG (no script, no external file: fits the CSP)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff"))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
