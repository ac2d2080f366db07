"""Server settings: one dataclass, filled from CLI flags and ``CHATKIT_HOST_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
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
    #: Whether ``/playground/session`` may mint sessions for the page at ``/`` (loopback only by default).
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
    #: Paths of workflow definitions (YAML or Python) registered on start.
    workflow_paths: tuple[Path, ...] = field(default_factory=tuple)
    #: OTLP/HTTP endpoint for exporting traces; ``None`` keeps traces only in the database.
    otlp_endpoint: str | None = None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chatkit.db').resolve()}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``CHATKIT_HOST_*`` variables; explicit ``overrides`` that are not None win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("CHATKIT_HOST_DATA_DIR"):
            values["data_dir"] = Path(env["CHATKIT_HOST_DATA_DIR"])
        if env.get("CHATKIT_HOST_DATABASE_URL"):
            values["database_url"] = env["CHATKIT_HOST_DATABASE_URL"]
        if env.get("CHATKIT_HOST_REDIS_URL"):
            values["redis_url"] = env["CHATKIT_HOST_REDIS_URL"]
        if env.get("CHATKIT_HOST_API_KEY"):
            values["api_keys"] = tuple(k.strip() for k in env["CHATKIT_HOST_API_KEY"].split(",") if k.strip())
        if env.get("CHATKIT_HOST_PUBLIC_URL"):
            values["public_url"] = env["CHATKIT_HOST_PUBLIC_URL"]
        if env.get("CHATKIT_HOST_PLAYGROUND"):
            values["playground"] = env["CHATKIT_HOST_PLAYGROUND"].lower() in ("1", "true", "yes", "on")
        if env.get("OPENAI_API_KEY"):
            values["openai_api_key"] = env["OPENAI_API_KEY"]
        if env.get("CHATKIT_HOST_OPENAI_BASE_URL"):
            values["openai_base_url"] = env["CHATKIT_HOST_OPENAI_BASE_URL"]
        if env.get("CHATKIT_HOST_OPENAI_API"):
            values["openai_api"] = env["CHATKIT_HOST_OPENAI_API"]
        if env.get("CHATKIT_HOST_DEFAULT_MODEL"):
            values["default_model"] = env["CHATKIT_HOST_DEFAULT_MODEL"]
        if env.get("CHATKIT_HOST_OTLP_ENDPOINT"):
            values["otlp_endpoint"] = env["CHATKIT_HOST_OTLP_ENDPOINT"]
        known = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in known:
                raise TypeError(f"unknown setting {key!r}")
            if value is not None:
                values[key] = value
        return cls(**values)  # type: ignore[arg-type]
