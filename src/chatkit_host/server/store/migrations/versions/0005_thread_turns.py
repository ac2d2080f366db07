"""Turns in flight: one row per turn that runs or waits in a thread (double-texting, crash recovery).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
# 0004 is harden-races' 0004_upload_claim (taken first): this branch merges after it.
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_turns",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("thread_id", sa.String(64), nullable=False),
        sa.Column("started", sa.Boolean, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
    )
    op.create_index("ix_thread_turns_thread_id_id", "thread_turns", ["thread_id", "id"])


def downgrade() -> None:
    op.drop_table("thread_turns")
