"""Sessions, threads, thread items, attachments and feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("workflow_id", sa.String(256), nullable=False),
        sa.Column("workflow_version", sa.String(64)),
        sa.Column("state_variables", sa.Text),
        sa.Column("tracing_enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("cancelled_at", sa.Float),
        sa.Column("max_requests_per_1_minute", sa.Integer, nullable=False),
        sa.Column("titling_enabled", sa.Boolean, nullable=False),
        sa.Column("upload_enabled", sa.Boolean, nullable=False),
        sa.Column("max_file_size_mb", sa.Integer, nullable=False),
        sa.Column("max_files", sa.Integer, nullable=False),
        sa.Column("history_enabled", sa.Boolean, nullable=False),
        sa.Column("recent_threads", sa.Integer),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user", "id"])
    op.create_table(
        "threads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("title", sa.Text),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("status_reason", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("workflow_id", sa.String(256)),
        sa.Column("workflow_version", sa.String(64)),
        sa.Column("metadata", sa.Text),
    )
    op.create_index("ix_threads_user_id", "threads", ["user", "id"])
    op.create_index("ix_threads_session_id", "threads", ["session_id", "id"])
    op.create_table(
        "thread_items",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_thread_items_thread_id_id", "thread_items", ["thread_id", "id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id", ondelete="CASCADE")),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("declared_size", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer),
        sa.Column("storage_key", sa.String(255)),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_attachments_thread_id", "attachments", ["thread_id"])
    op.create_index("ix_attachments_session_id", "attachments", ["session_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("thread_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_feedback_thread_id", "feedback", ["thread_id", "id"])


def downgrade() -> None:
    for table in ("feedback", "attachments", "thread_items", "threads", "sessions"):
        op.drop_table(table)
