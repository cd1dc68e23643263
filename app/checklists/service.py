"""Keeping the database's checklist versions in step with the version files."""

import logging
from typing import Any

import yaml
from sqlmodel import Session, select

from app.checklists.loader import ChecklistError, ChecklistRegistry, parse_checklist
from app.checklists.models import ChecklistVersion

log = logging.getLogger(__name__)
# The Russian text is the instrument residents answered; the other languages are translations
# that may be corrected in a published version without changing what an answer means.
CORRECTABLE_LANGS = frozenset({"kk", "en"})


def sync_versions(session: Session, *, registry: ChecklistRegistry) -> None:
    """Record new versions; refuse a version whose file changed after it was published.

    A changed checklist must be a new version: stored submissions are always scored against
    the exact version they were answered against. The one exception is a corrected
    translation: a file that differs from the stored one only in its Kazakh or English texts
    replaces the stored copy. Versions present only in the database are added to the registry
    from their stored source.
    """
    stored = {v.version: v for v in session.exec(select(ChecklistVersion)).all()}
    for version in registry.versions:
        loaded = registry.get(version)
        assert loaded is not None
        row = stored.get(version)
        if row is None:
            session.add(
                ChecklistVersion(
                    version=version,
                    published=loaded.checklist.published,
                    sha256=loaded.sha256,
                    source=loaded.source,
                )
            )
        elif row.sha256 != loaded.sha256 and translation_only(row.source, loaded.source):
            log.info("checklist %s: Kazakh/English wording corrected", version)
            row.sha256, row.source = loaded.sha256, loaded.source
            session.add(row)
        elif row.sha256 != loaded.sha256:
            raise ChecklistError(
                f"checklist version {version} differs from the one stored on "
                f"{row.loaded_at:%Y-%m-%d}; publish the change as a new version file"
            )
    for version, row in stored.items():
        if registry.get(version) is None:
            registry.add(parse_checklist(row.source, name=f"database copy of {version}"))
    session.flush()


def translation_only(old_source: str, new_source: str) -> bool:
    """True when two version files differ in nothing but their Kazakh and English texts."""
    return _without_translations(yaml.safe_load(old_source)) == _without_translations(
        yaml.safe_load(new_source)
    )


def _without_translations(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _without_translations(value)
            for key, value in node.items()
            if key not in CORRECTABLE_LANGS
        }
    if isinstance(node, list):
        return [_without_translations(value) for value in node]
    return node
