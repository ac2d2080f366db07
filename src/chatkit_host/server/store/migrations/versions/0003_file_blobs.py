"""Attachment bytes in the database: one row per stored file, its bytes in numbered chunks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_blob_keys",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    # Only unfinished uploads (a process died mid-upload) are looked up by age, and there are few of them.
    unfinished = sa.text("size IS NULL")
    op.create_index(
        "ix_file_blob_keys_unfinished",
        "file_blob_keys",
        ["created_at"],
        postgresql_where=unfinished,
        sqlite_where=unfinished,
    )
    op.create_table(
        "file_blobs",
        sa.Column("key", sa.String(64), sa.ForeignKey("file_blob_keys.key", ondelete="CASCADE"), primary_key=True),
        sa.Column("chunk_no", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("file_blobs", "file_blob_keys"):
        op.drop_table(table)
