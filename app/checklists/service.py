"""Keeping the database's checklist versions in step with the version files."""

from sqlmodel import Session, select

from app.checklists.loader import ChecklistError, ChecklistRegistry, parse_checklist
from app.checklists.models import ChecklistVersion


def sync_versions(session: Session, *, registry: ChecklistRegistry) -> None:
    """Record new versions; refuse a version whose file changed after it was published.

    A changed checklist must be a new version: stored submissions are always scored against
    the exact version they were answered against. Versions present only in the database are
    added to the registry from their stored source.
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
        elif row.sha256 != loaded.sha256:
            raise ChecklistError(
                f"checklist version {version} differs from the one stored on "
                f"{row.loaded_at:%Y-%m-%d}; publish the change as a new version file"
            )
    for version, row in stored.items():
        if registry.get(version) is None:
            registry.add(parse_checklist(row.source, name=f"database copy of {version}"))
    session.flush()
