"""Workflows and their immutable versions, traces with their spans, and token usage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("latest_version", sa.Integer),
        sa.Column("version_count", sa.Integer, nullable=False),
        sa.Column("archived_at", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "workflow_versions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workflow_id", sa.String(256), sa.ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("workflow_id", "version", name="uq_workflow_versions_workflow_id_version"),
    )
    op.create_index("ix_workflow_versions_workflow_id_id", "workflow_versions", ["workflow_id", "id"])
    op.create_table(
        "traces",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("workflow_id", sa.String(256), nullable=False),
        sa.Column("workflow_version", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64)),
        sa.Column("thread_id", sa.String(64)),
        sa.Column("user", sa.String(512)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
    )
    op.create_index("ix_traces_thread_id_id", "traces", ["thread_id", "id"])
    op.create_index("ix_traces_session_id_id", "traces", ["session_id", "id"])
    op.create_index("ix_traces_workflow_id_version_id", "traces", ["workflow_id", "workflow_version", "id"])
    op.create_table(
        "trace_spans",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("trace_id", sa.String(64), sa.ForeignKey("traces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float, nullable=False),
        sa.Column("model", sa.String(256)),
        sa.Column("input_tokens", sa.Integer),
        sa.Column("output_tokens", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_trace_spans_trace_id_id", "trace_spans", ["trace_id", "id"])
    op.create_table(
        "usage_records",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(64)),
        sa.Column("thread_id", sa.String(64)),
        sa.Column("user", sa.String(512)),
        sa.Column("workflow_id", sa.String(256), nullable=False),
        sa.Column("workflow_version", sa.String(64), nullable=False),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_usage_records_session_id", "usage_records", ["session_id"])
    op.create_index("ix_usage_records_thread_id", "usage_records", ["thread_id"])
    op.create_index("ix_usage_records_user", "usage_records", ["user"])
    op.create_index("ix_usage_records_workflow", "usage_records", ["workflow_id", "workflow_version"])


def downgrade() -> None:
    for table in ("usage_records", "trace_spans", "traces", "workflow_versions", "workflows"):
        op.drop_table(table)
