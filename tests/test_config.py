"""Every setting is documented in the README with its env var and default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.platform.config import PROJECT_ROOT, Settings


class TestSettingsDocumented:
    def test_every_setting_is_in_the_readme(self) -> None:
        readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
        missing = [
            f"SAFEYARD_{name.upper()}"
            for name in Settings.model_fields
            if f"`SAFEYARD_{name.upper()}`" not in readme
        ]
        assert not missing, f"document these settings in README.md: {missing}"

    def test_every_setting_has_a_description(self) -> None:
        assert all(field.description for field in Settings.model_fields.values())


class TestProductionNeedsItsAddress:
    """QR codes on the reports point at SAFEYARD_PUBLIC_BASE_URL: a production install that
    forgot it would print codes that open the printer's own localhost."""

    def test_development_is_the_default_and_starts_without_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("SAFEYARD_ENV", raising=False)
        monkeypatch.delenv("SAFEYARD_PUBLIC_BASE_URL", raising=False)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert settings.env == "development"
        assert settings.public_base_url == "http://127.0.0.1:8000"

    @pytest.mark.parametrize("value", [None, "", "   "])
    def test_production_refuses_to_start_without_it(
        self, monkeypatch: pytest.MonkeyPatch, value: str | None
    ) -> None:
        monkeypatch.setenv("SAFEYARD_ENV", "production")
        if value is None:
            monkeypatch.delenv("SAFEYARD_PUBLIC_BASE_URL", raising=False)
        else:
            monkeypatch.setenv("SAFEYARD_PUBLIC_BASE_URL", value)
        with pytest.raises(ValidationError, match="SAFEYARD_PUBLIC_BASE_URL is not set"):
            Settings(_env_file=None)  # type: ignore[call-arg]

    def test_production_with_it_starts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SAFEYARD_ENV", "production")
        monkeypatch.setenv("SAFEYARD_PUBLIC_BASE_URL", "https://safeyard.example.kz")
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert settings.public_base_url == "https://safeyard.example.kz"

    def test_the_compose_file_runs_production_with_an_address(self) -> None:
        compose = (PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8")
        assert "SAFEYARD_ENV: production" in compose
        assert "SAFEYARD_PUBLIC_BASE_URL: ${SAFEYARD_PUBLIC_BASE_URL:?" in compose
