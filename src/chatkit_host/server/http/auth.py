"""The one way to authenticate: an admin API key (or, for the runtime, a bearer value) from ``Authorization``."""

from __future__ import annotations

from starlette.requests import Request

from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import AuthenticationFailed


def bearer_value(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header value, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer_token(request: Request) -> str | None:
    return bearer_value(request.headers.get("authorization"))


def authenticate_admin(context: AppContext, authorization: str | None) -> None:
    """Admin API key in ``Authorization: Bearer``; a session's client secret is not one."""
    token = bearer_value(authorization)
    if token is None:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.",
            code="missing_api_key",
        )
    if not context.admin_keys.check(token):
        raise AuthenticationFailed("Incorrect API key provided.", code="invalid_api_key")
