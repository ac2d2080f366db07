"""Attachments: ``upload_started_at``, the claim an upload takes on an attachment before it receives bytes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("upload_started_at", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("upload_started_at")
