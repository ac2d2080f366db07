"""Tables, as SQLAlchemy Core metadata. Migrations in ``migrations/versions`` create and change them.

Ordering: every id is time-sortable (see ``chatkit_host.ids``), so lists page on the primary key or on an
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
