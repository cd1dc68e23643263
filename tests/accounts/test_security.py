"""Password hashing, the signing secret and the signed session cookie."""

from __future__ import annotations

from pathlib import Path

from app.accounts import security
from app.platform.config import Settings


class TestPasswords:
    def test_hash_is_argon2(self) -> None:
        hashed = security.hash_password("a long password")
        assert hashed.startswith("$argon2")
        assert security.verify_password("a long password", hashed)
        assert not security.verify_password("another password", hashed)


class TestSecretKey:
    def test_made_once_and_kept(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path)
        first = security.secret_key(settings)
        assert len(first) > 40
        assert security.secret_key(settings) == first
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

    def test_setting_wins(self, tmp_path: Path) -> None:
        assert security.secret_key(Settings(data_dir=tmp_path, secret_key="k" * 40)) == "k" * 40
        assert not (tmp_path / "secret_key").exists()


class TestSessionCookie:
    def test_round_trip(self) -> None:
        cookie = security.session_cookie("key", user_id=7, version=3)
        assert security.read_session_cookie("key", cookie) == security.SessionClaim(7, 3)

    def test_tampered_or_other_key(self) -> None:
        cookie = security.session_cookie("key", user_id=7, version=3)
        assert security.read_session_cookie("other", cookie) is None
        assert security.read_session_cookie("key", "8" + cookie[1:]) is None
        assert security.read_session_cookie("key", "garbage") is None
        assert security.read_session_cookie("key", None) is None
