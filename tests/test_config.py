"""Every setting is documented in the README with its env var and default."""

from __future__ import annotations

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
