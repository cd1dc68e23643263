"""The database keeps every published checklist version; a changed version is refused."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.checklists.loader import ChecklistError, ChecklistRegistry, parse_checklist
from app.checklists.models import ChecklistVersion
from app.checklists.service import sync_versions


class TestSyncVersions:
    def test_a_changed_version_file_is_refused(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        current = registry.current
        edited = parse_checklist(
            current.source.replace("weight: 2.0", "weight: 2.5", 1) + "\n# edited\n", name="edited"
        )
        with pytest.raises(ChecklistError, match="new version"):
            sync_versions(session, registry=ChecklistRegistry([edited]))

    def test_a_corrected_translation_replaces_the_stored_copy(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        current = registry.current
        sync_versions(session, registry=ChecklistRegistry([current]))
        kk_fixed = parse_checklist(
            current.source.replace('kk: "Ішінара"', 'kk: "Жартылай"', 1), name="kk fixed"
        )
        assert kk_fixed.sha256 != current.sha256
        sync_versions(session, registry=ChecklistRegistry([kk_fixed]))
        stored = session.get(ChecklistVersion, current.version)
        assert stored is not None and stored.sha256 == kk_fixed.sha256
        assert "Жартылай" in stored.source

    def test_a_changed_russian_text_is_a_new_version(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        current = registry.current
        sync_versions(session, registry=ChecklistRegistry([current]))
        ru_changed = parse_checklist(
            current.source.replace('ru: "Частично"', 'ru: "Местами"', 1), name="ru changed"
        )
        with pytest.raises(ChecklistError, match="new version"):
            sync_versions(session, registry=ChecklistRegistry([ru_changed]))

    def test_a_version_only_in_the_database_is_still_known(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        current = registry.current
        older_source = (
            current.source.replace(f'version: "{current.version}"', 'version: "2025.1"')
            .replace(f"version: '{current.version}'", "version: '2025.1'")
            .replace(f"version: {current.version}", 'version: "2025.1"')
        )
        older = parse_checklist(older_source, name="older")
        assert older.version == "2025.1"
        sync_versions(session, registry=ChecklistRegistry([older, current]))
        only_current = ChecklistRegistry([current])
        sync_versions(session, registry=only_current)
        restored = only_current.get("2025.1")
        assert restored is not None and restored.sha256 == older.sha256
        assert only_current.current.version == current.version
