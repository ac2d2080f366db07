"""Tables, as SQLAlchemy Core metadata. Migrations in ``migrations/versions`` create and change them.

Ordering: every id is time-sortable (see ``chatkit_host.server.ids``), so lists page on the primary key or on an
index that ends with the id; no query uses OFFSET.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("user", String(512), nullable=False),
    Column("workflow_id", String(256), nullable=False),
    Column("workflow_version", String(64)),
    Column("state_variables", Text),  # JSON object or NULL
    Column("tracing_enabled", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("cancelled_at", Float),
    Column("max_requests_per_1_minute", Integer, nullable=False),
    Column("titling_enabled", Boolean, nullable=False),
    Column("upload_enabled", Boolean, nullable=False),
    Column("max_file_size_mb", Integer, nullable=False),
    Column("max_files", Integer, nullable=False),
    Column("history_enabled", Boolean, nullable=False),
    Column("recent_threads", Integer),
    Index("ix_sessions_user_id", "user", "id"),
)

threads = Table(
    "threads",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user", String(512), nullable=False),
    Column("session_id", String(64)),  # the session that created it; NULL for imported threads
    Column("title", Text),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("status_reason", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("workflow_id", String(256)),
    Column("workflow_version", String(64)),
    Column("metadata", Text),  # JSON object, server side only
    Index("ix_threads_user_id", "user", "id"),
    Index("ix_threads_session_id", "session_id", "id"),
)

items = Table(
    "thread_items",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("thread_id", String(64), ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("data", Text, nullable=False),  # the item as openai-chatkit serialises it
    Index("ix_thread_items_thread_id_id", "thread_id", "id"),
)

#: Turns in flight, one row each (``store/turns.py``): the oldest live row of a thread runs, the others wait
#: (``enqueue``). A row whose heartbeat stopped belonged to a process that died; its turn was interrupted.
#: No foreign key: a row may name a thread the same turn is about to create.
thread_turns = Table(
    "thread_turns",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("thread_id", String(64), nullable=False),
    Column("started", Boolean, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Index("ix_thread_turns_thread_id_id", "thread_id", "id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user", String(512), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("thread_id", String(64), ForeignKey("threads.id", ondelete="CASCADE")),
    Column("name", Text, nullable=False),
    Column("mime_type", String(255), nullable=False),
    Column("declared_size", Integer, nullable=False),
    Column("size", Integer),  # bytes actually received; NULL until uploaded
    Column("storage_key", String(255)),
    Column("created_at", Float, nullable=False),
    # When the upload now receiving this attachment's bytes claimed it (NULL: none is); see Store.claim_upload.
    Column("upload_started_at", Float),
    Index("ix_attachments_thread_id", "thread_id"),
    Index("ix_attachments_session_id", "session_id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("thread_id", String(64), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("user", String(512), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_feedback_thread_id", "thread_id", "id"),
)

# -- workflows (migration 0002) ---------------------------------------------------------------------------

workflows = Table(
    "workflows",
    metadata,
    Column("id", String(256), primary_key=True),  # "wf_..." or any name; lists page on it
    Column("name", Text),
    Column("latest_version", Integer),
    Column("version_count", Integer, nullable=False),
    Column("archived_at", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

workflow_versions = Table(
    "workflow_versions",
    metadata,
    Column("id", String(64), primary_key=True),  # time-sortable "wfv_" id
    Column("workflow_id", String(256), ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("format", String(16), nullable=False),  # "yaml" | "python"
    Column("source", Text, nullable=False),  # the definition as published; versions never change
    Column("sha256", String(64), nullable=False),
    Column("summary", Text, nullable=False),  # JSON: declared state variables, allowed models, agents
    Column("created_at", Float, nullable=False),
    UniqueConstraint("workflow_id", "version", name="uq_workflow_versions_workflow_id_version"),
    Index("ix_workflow_versions_workflow_id_id", "workflow_id", "id"),
)

traces = Table(
    "traces",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("workflow_id", String(256), nullable=False),
    Column("workflow_version", String(64), nullable=False),
    Column("session_id", String(64)),
    Column("thread_id", String(64)),
    Column("user", String(512)),
    Column("status", String(16), nullable=False),  # "completed" | "error" | "guardrail"
    Column("error", Text),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Index("ix_traces_thread_id_id", "thread_id", "id"),
    Index("ix_traces_session_id_id", "session_id", "id"),
    Index("ix_traces_workflow_id_version_id", "workflow_id", "workflow_version", "id"),
)

trace_spans = Table(
    "trace_spans",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("trace_id", String(64), ForeignKey("traces.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", String(64)),
    Column("kind", String(32), nullable=False),  # run | agent | model | tool | handoff | guardrail | custom
    Column("name", Text, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=False),
    Column("model", String(256)),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("error", Text),
    Column("data", Text, nullable=False),  # JSON object of kind-specific attributes
    Index("ix_trace_spans_trace_id_id", "trace_id", "id"),
)

usage_records = Table(
    "usage_records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("session_id", String(64)),
    Column("thread_id", String(64)),
    Column("user", String(512)),
    Column("workflow_id", String(256), nullable=False),
    Column("workflow_version", String(64), nullable=False),
    Column("requests", Integer, nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_usage_records_session_id", "session_id"),
    Index("ix_usage_records_thread_id", "thread_id"),
    Index("ix_usage_records_user", "user"),
    Index("ix_usage_records_workflow", "workflow_id", "workflow_version"),
)
