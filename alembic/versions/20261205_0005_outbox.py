"""outbox: effects outside SafeYard written in the intake's transaction (issue 11); and the
consensus answers kept on yard_risk, so a yard's page, report and API read that row alone

Revision ID: e5outbox05
Revises: e4personal04
Create Date: 2026-12-05 20:45:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import app.platform.db  # noqa: F401  (custom column types)
from alembic import op

revision: str = "e5outbox05"
down_revision: str | None = "e4personal04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", app.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_sent_at"), ["sent_at"], unique=False)
    with op.batch_alter_table("yard_risk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checklist_version", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("answers", JSON, server_default="{}", nullable=False))
    _keep_the_consensus_of_kept_rows()


def _keep_the_consensus_of_kept_rows() -> None:
    """Rows kept before this revision: the consensus of the window each was built over, so
    the yard's page explains its figure at once (not only after the next submission or
    ``safeyard refresh-areas``). Uses the app's consensus and checklist files as of this
    revision; a row whose checklist version is not loaded is left for the next refresh."""
    bind = op.get_bind()
    when = app.platform.db.UTCDateTime(timezone=True)
    risk = sa.table(
        "yard_risk",
        sa.column("yard_id", sa.Integer),
        sa.column("basis", sa.String),
        sa.column("window_days", sa.Integer),
        sa.column("updated_at", when),
        sa.column("checklist_version", sa.String),
        sa.column("answers", JSON),
    )
    kept = bind.execute(
        sa.select(risk.c.yard_id, risk.c.window_days, risk.c.updated_at).where(
            risk.c.basis != "none"
        )
    ).all()
    if not kept:
        return
    from app.checklists.loader import load_registry
    from app.platform.config import get_settings
    from app.yards.consensus import consensus

    registry = load_registry(get_settings().checklist_dir)
    submission = sa.table(
        "submission",
        sa.column("id", sa.Uuid),
        sa.column("yard_id", sa.Integer),
        sa.column("role", sa.String),
        sa.column("checklist_version", sa.String),
        sa.column("answers", JSON),
        sa.column("received_at", when),
    )
    for row in kept:
        since = row.updated_at - timedelta(days=row.window_days)
        recent = bind.execute(
            sa.select(submission)
            .where(submission.c.yard_id == row.yard_id, submission.c.received_at >= since)
            .order_by(submission.c.received_at.desc(), submission.c.id)
        ).all()
        try:
            found = consensus(registry, recent)
        except AssertionError:  # a checklist version that is not loaded
            continue
        if found.loaded is None:
            continue
        bind.execute(
            sa.update(risk)
            .where(risk.c.yard_id == row.yard_id)
            .values(checklist_version=found.loaded.version, answers=found.answers)
        )


def downgrade() -> None:
    with op.batch_alter_table("yard_risk", schema=None) as batch_op:
        batch_op.drop_column("answers")
        batch_op.drop_column("checklist_version")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_sent_at"))
    op.drop_table("outbox_message")
