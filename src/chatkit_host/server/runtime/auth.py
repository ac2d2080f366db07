"""Who is calling the runtime: the session whose client secret is in ``Authorization: Bearer``."""

from __future__ import annotations

from chatkit_host.server.credentials import CLIENT_SECRET_PREFIX, hash_secret
from chatkit_host.server.errors import AuthenticationFailed
from chatkit_host.server.store import SessionRecord, Store


async def session_for_secret(store: Store, token: str | None, now: float) -> SessionRecord:
    """The active session for ``token``; 401 with a code that says why otherwise."""
    if token is None:
        raise AuthenticationFailed(
            "Missing client secret. Send the session's client_secret as 'Authorization: Bearer <secret>'.",
            code="missing_client_secret",
        )
    # An admin key is never a client secret: it has another prefix and is not in the sessions table.
    session = (
        await store.get_session_by_secret_hash(hash_secret(token)) if token.startswith(CLIENT_SECRET_PREFIX) else None
    )
    if session is None:
        raise AuthenticationFailed("Invalid client secret.", code="invalid_client_secret")
    status = session.status(now)
    if status == "expired":
        raise AuthenticationFailed(
            "The ChatKit session has expired; ask your backend for a new client secret.", code="session_expired"
        )
    if status == "cancelled":
        raise AuthenticationFailed("The ChatKit session was cancelled.", code="session_cancelled")
    return session


async def session_by_id(store: Store, session_id: str, now: float) -> SessionRecord | None:
    """The session if it exists and is still active (for signed URLs, which carry the id, not the secret)."""
    session = await store.get_session(session_id)
    if session is None or session.status(now) != "active":
        return None
    return session
