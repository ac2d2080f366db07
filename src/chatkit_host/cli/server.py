"""``chatkit-host serve`` and ``chatkit-host db upgrade|gc``: the commands that work on the server itself."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any

import click

from chatkit_host.server.credentials import load_admin_keys
from chatkit_host.server.settings import DEFAULT_DATA_DIR, FILE_STORAGES, Settings


def playground_setting(bind_host: str, configured: bool | None) -> bool | None:
    """The operator's choice wins; otherwise a public bind turns the playground off and loopback keeps auto."""
    from chatkit_host.server.api.web import is_loopback_host  # the web stack loads only when a server starts

    if configured is not None:
        return configured
    return None if is_loopback_host(bind_host) else False


_data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Directory for the SQLite database, uploads and the admin key [default: {DEFAULT_DATA_DIR}].",
    envvar="CHATKIT_HOST_DATA_DIR",
)
_database_option = click.option(
    "--database",
    "database_url",
    default=None,
    help="sqlite:///PATH or postgresql://USER@HOST/DB [default: SQLite in the data directory].",
    envvar="CHATKIT_HOST_DATABASE_URL",
)
_file_storage_option = click.option(
    "--file-storage",
    "file_storage",
    type=click.Choice(FILE_STORAGES),
    default=None,
    envvar="CHATKIT_HOST_FILE_STORAGE",
    help="Where attachment bytes live [default: database on PostgreSQL, local (the data directory) on SQLite].",
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@_database_option
@_data_dir_option
@_file_storage_option
@click.option(
    "--redis",
    "redis_url",
    default=None,
    envvar="CHATKIT_HOST_REDIS_URL",
    help="redis://HOST:PORT/DB shared by all replicas for rate limits.",
)
@click.option(
    "--workflow",
    "workflow_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A workflow definition (.yaml or .py) to publish on start; repeatable.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    envvar="CHATKIT_HOST_WORKERS",
    help="Worker processes, one event loop each [default: the machine's cores].",
)
@click.option("--log-level", default="info", show_default=True)
def serve(
    host: str,
    port: int,
    database_url: str | None,
    data_dir: Path | None,
    file_storage: str | None,
    redis_url: str | None,
    workflow_paths: tuple[Path, ...],
    workers: int | None,
    log_level: str,
) -> None:
    """Start the server (SQLite and the offline model unless told otherwise)."""
    import uvicorn

    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(
        data_dir=data_dir,
        database_url=database_url,
        file_storage=file_storage,
        redis_url=redis_url,
        workflow_paths=workflow_paths or None,
        workers=workers or os.cpu_count() or 1,
    )
    settings = dataclasses.replace(settings, playground=playground_setting(host, settings.playground))
    private_data_dir(settings.data_dir)
    keys = load_admin_keys(settings.api_keys, settings.data_dir)
    base_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if keys.created_key:
        click.echo(f"Created an admin API key in {keys.key_file} (shown once):\n\n    {keys.created_key}\n")
        click.echo("Use it with the official SDK:\n")
        click.echo(f'    OpenAI(base_url="{base_url}/v1", api_key="{keys.created_key}")\n')
    elif keys.key_file:
        click.echo(f"Admin API key: in {keys.key_file}")
    click.echo(f"Chat UI: {base_url}/   Admin console: {base_url}/admin   API: {base_url}/v1")
    from chatkit_host.cli.access_log import log_config
    from chatkit_host.cli.timeouts import MAX_HEAD_BYTES, READ_TIMEOUT_VARIABLE, TimedHttpToolsProtocol
    from chatkit_host.server.app import WORKER_SETTINGS_VARIABLE, create_app  # the web stack loads only here

    os.environ[READ_TIMEOUT_VARIABLE] = str(settings.read_timeout_seconds)  # the protocol of every worker reads it
    limits: dict[str, Any] = {
        "http": TimedHttpToolsProtocol,  # header and body read timeouts (cli/timeouts.py)
        "timeout_keep_alive": 5,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "log_config": log_config(),  # the access log without URL signatures
    }
    if settings.workers == 1:
        # Migrations run in the app's lifespan, once, before it serves.
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=True, **limits)
        return
    # Several processes: start the app's lifespan once here first, so that migrations run and --workflow files are
    # published exactly once; each worker's own start then finds the schema and the workflows up to date.
    asyncio.run(_start_once(create_app(settings)))
    os.environ[WORKER_SETTINGS_VARIABLE] = settings.to_json()
    click.echo(f"Serving with {settings.workers} worker processes.")
    uvicorn.run(
        "chatkit_host.server.app:create_worker_app",
        factory=True,
        workers=settings.workers,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
        **limits,
    )


def private_data_dir(path: Path) -> None:
    """Create the data directory readable by this user only (0700), and keep what the server creates private.

    The directory holds the database, uploads, the rate-limit file and the admin key: other local users must
    not read them. 0700 on the directory shuts them out of everything in it, also files an older version made
    0644; the umask (0077, for this process and its workers) makes each new file 0600 and directory 0700,
    including those SQLite and Starlette's upload spooling create, which take no mode from us.
    """
    os.umask(0o077)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o700)


async def _start_once(app: Any) -> None:
    async with app.router.lifespan_context(app):
        pass


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@_database_option
@_data_dir_option
def db_upgrade(database_url: str | None, data_dir: Path | None) -> None:
    """Apply all migrations (also done on every `serve`)."""
    from sqlalchemy.engine import make_url

    from chatkit_host.server.store.migrate import upgrade_sync  # SQLAlchemy and Alembic load only for this command

    settings = Settings.from_env(data_dir=data_dir, database_url=database_url)
    private_data_dir(settings.data_dir)
    upgrade_sync(settings.resolved_database_url)
    # The URL as given may carry a password; the terminal (and CI logs) must not.
    shown = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    click.echo(f"Database at head: {shown}")


@db.command("gc")
@_database_option
@_data_dir_option
@_file_storage_option
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(min=0),
    default=None,
    help="Remove unsent attachments older than this many seconds [default: CHATKIT_HOST_ATTACHMENT_TTL_SECONDS, 24 h].",
)
def db_gc(database_url: str | None, data_dir: Path | None, file_storage: str | None, older_than: int | None) -> None:
    """Remove attachments that were uploaded but never sent (rows and bytes); the server also does it periodically."""
    settings = Settings.from_env(
        data_dir=data_dir, database_url=database_url, file_storage=file_storage, attachment_ttl_seconds=older_than
    )
    removed = asyncio.run(_gc(settings))
    click.echo(f"Removed {removed} unsent attachment(s) older than {settings.attachment_ttl_seconds} s.")


async def _gc(settings: Settings) -> int:
    # SQLAlchemy loads only for this command, as for upgrade; the schema is left as it is (no migration).
    from chatkit_host.server.attachments.gc import sweep
    from chatkit_host.server.attachments.storage import make_file_storage
    from chatkit_host.server.store import Store

    store = Store.open(settings.resolved_database_url)
    try:
        files = make_file_storage(settings, store)
        return await sweep(store, files, time.time() - settings.attachment_ttl_seconds)
    finally:
        await store.close()
