"""Server settings: one dataclass, filled from CLI flags and ``CHATKIT_HOST_*`` environment variables."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

DEFAULT_DATA_DIR = Path(".chatkit-host")


@dataclass(frozen=True)
class Settings:
    """Everything ``create_app`` needs; each field is documented in ``docs/settings.md``."""

    data_dir: Path = DEFAULT_DATA_DIR
    #: SQLAlchemy-style URL; ``None`` means a SQLite file ``chatkit.db`` inside ``data_dir``.
    database_url: str | None = None
    #: ``redis://`` URL shared by all replicas for rate limits; ``None`` keeps counters in process.
    redis_url: str | None = None
    #: Admin API keys. Empty means: read or create ``data_dir/admin_api_key``.
    api_keys: tuple[str, ...] = ()
    #: The URL this server is reached at, used in upload and preview URLs it hands out.
    public_url: str | None = None
    #: ``False`` removes the playground's routes; on (``None``/``True``) they still need the admin key.
    playground: bool | None = None
    #: Largest JSON body accepted anywhere, in bytes (uploads have their own per-session limit).
    max_body_bytes: int = 4 * 1024 * 1024
    #: Model provider settings, read by the workflow engine.
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    #: ``responses`` or ``chat_completions``; None picks Chat Completions for a base URL, else Responses.
    openai_api: str | None = None
    #: Model of the built-in workflow and of agents that name none (``offline`` forces the stand-in).
    default_model: str | None = None
    #: Speech-to-text model for the composer's dictation (``input.transcribe``), on the configured provider.
    transcription_model: str = "gpt-4o-mini-transcribe"
    #: Paths of workflow definitions (YAML or Python) registered on start.
    workflow_paths: tuple[Path, ...] = field(default_factory=tuple)
    #: OTLP/HTTP endpoint for exporting traces; ``None`` keeps traces only in the database.
    otlp_endpoint: str | None = None
    #: How long an uploaded attachment that no message names is kept before a sweep deletes it.
    attachment_ttl_seconds: int = 24 * 3600
    #: Where attachment bytes live: ``local`` (``data_dir/files``) or ``database``; None picks ``database`` on
    #: PostgreSQL, so replicas share nothing but the database, and ``local`` on SQLite.
    file_storage: str | None = None
    #: Processes serving this data directory on this machine (``serve --workers``). Above 1 and without
    #: ``redis_url``, their rate limits are shared through ``data_dir/ratelimit.db``.
    workers: int = 1
    #: Longest wait, in seconds, for a request's headers (from the connection or the previous response) and for
    #: each next piece of its body, before ``serve`` drops the connection: slow clients cannot hold connections.
    read_timeout_seconds: float = 30.0
    #: Connections (and requests in flight) one ``serve`` process holds at once; beyond it new requests get 503.
    max_connections: int = 2048
    #: Whether ``/docs`` serves Swagger UI, whose scripts load from a public CDN (off: the server works offline).
    api_docs: bool = False
    #: Seconds without a heartbeat after which a turn in flight counts as dead (its process crashed): the next
    #: message to its thread then marks its answer interrupted and runs. Running turns beat every quarter of it.
    turn_lease_seconds: float = 10.0

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chatkit.db').resolve()}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the variables in :data:`ENVIRONMENT`; explicit ``overrides`` that are not None win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for variable, (name, parse) in ENVIRONMENT.items():
            if env.get(variable):
                values[name] = parse(env[variable])
        known = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in known:
                raise TypeError(f"unknown setting {key!r}")
            if value is not None:
                values[key] = value
        return cls(**values)  # type: ignore[arg-type]

    def to_json(self) -> str:
        """All fields as JSON, for handing the settings ``serve`` resolved to its worker processes."""
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        values = json.loads(text)
        values["data_dir"] = Path(values["data_dir"])
        values["workflow_paths"] = tuple(Path(p) for p in values["workflow_paths"])
        values["api_keys"] = tuple(values["api_keys"])
        return cls(**values)


def _keys(value: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in value.split(",") if key.strip())


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


#: Values of ``file_storage``.
FILE_STORAGES = ("local", "database")


def _file_storage(value: str) -> str:
    if value not in FILE_STORAGES:
        raise ValueError(f"CHATKIT_HOST_FILE_STORAGE must be one of {', '.join(FILE_STORAGES)}, not {value!r}")
    return value


#: Environment variable -> (setting, parser). ``docs/settings.md`` documents each; a test keeps them in step.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "CHATKIT_HOST_DATA_DIR": ("data_dir", Path),
    "CHATKIT_HOST_DATABASE_URL": ("database_url", str),
    "CHATKIT_HOST_REDIS_URL": ("redis_url", str),
    "CHATKIT_HOST_API_KEY": ("api_keys", _keys),
    "CHATKIT_HOST_PUBLIC_URL": ("public_url", str),
    "CHATKIT_HOST_PLAYGROUND": ("playground", _flag),
    "OPENAI_API_KEY": ("openai_api_key", str),
    "CHATKIT_HOST_OPENAI_BASE_URL": ("openai_base_url", str),
    "CHATKIT_HOST_OPENAI_API": ("openai_api", str),
    "CHATKIT_HOST_DEFAULT_MODEL": ("default_model", str),
    "CHATKIT_HOST_TRANSCRIPTION_MODEL": ("transcription_model", str),
    "CHATKIT_HOST_OTLP_ENDPOINT": ("otlp_endpoint", str),
    "CHATKIT_HOST_ATTACHMENT_TTL_SECONDS": ("attachment_ttl_seconds", int),
    "CHATKIT_HOST_FILE_STORAGE": ("file_storage", _file_storage),
    "CHATKIT_HOST_WORKERS": ("workers", int),
    "CHATKIT_HOST_READ_TIMEOUT_SECONDS": ("read_timeout_seconds", float),
    "CHATKIT_HOST_MAX_CONNECTIONS": ("max_connections", int),
    "CHATKIT_HOST_API_DOCS": ("api_docs", _flag),
    "CHATKIT_HOST_TURN_LEASE_SECONDS": ("turn_lease_seconds", float),
}
