"""Creating ChatKit sessions (every default resolved); shared by the REST API and the playground."""

from __future__ import annotations

from chatkit_host.server import ids
from chatkit_host.server.credentials import hash_secret, new_client_secret
from chatkit_host.server.store import SessionRecord, Store
from chatkit_host.server.workflows.registry import WorkflowRegistry
from chatkit_host.types.sessions import MAX_EXPIRY_SECONDS, CreateSessionBody

DEFAULT_EXPIRY_SECONDS = MAX_EXPIRY_SECONDS
DEFAULT_REQUESTS_PER_MINUTE = 10
DEFAULT_MAX_FILE_SIZE_MB = 512
DEFAULT_MAX_FILES = 10


async def create_session(
    store: Store, registry: WorkflowRegistry, body: CreateSessionBody, now: float
) -> tuple[SessionRecord, str]:
    """Resolve every default, store the session with the secret's hash, and return both."""
    workflow = await registry.resolve(body.workflow.id, body.workflow.version, body.workflow.state_variables)
    config = body.chatkit_configuration
    titling = config.automatic_thread_titling if config else None
    upload = config.file_upload if config else None
    history = config.history if config else None
    tracing = body.workflow.tracing
    secret = new_client_secret()
    seconds = body.expires_after.seconds if body.expires_after else DEFAULT_EXPIRY_SECONDS
    rpm = body.rate_limits.max_requests_per_1_minute if body.rate_limits else None
    record = SessionRecord(
        id=ids.new_id(ids.SESSION),
        secret_hash=hash_secret(secret),
        user=body.user,
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        state_variables=workflow.state_variables,
        tracing_enabled=tracing.enabled if tracing and tracing.enabled is not None else True,
        created_at=now,
        expires_at=now + seconds,
        cancelled_at=None,
        max_requests_per_1_minute=rpm or DEFAULT_REQUESTS_PER_MINUTE,
        titling_enabled=titling.enabled if titling and titling.enabled is not None else True,
        upload_enabled=upload.enabled if upload and upload.enabled is not None else False,
        max_file_size_mb=(upload.max_file_size if upload and upload.max_file_size else DEFAULT_MAX_FILE_SIZE_MB),
        max_files=upload.max_files if upload and upload.max_files else DEFAULT_MAX_FILES,
        history_enabled=history.enabled if history and history.enabled is not None else True,
        recent_threads=history.recent_threads if history else None,
    )
    await store.create_session(record)
    return record, secret
