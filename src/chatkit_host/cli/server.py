"""``chatkit-host serve`` and ``chatkit-host db upgrade|gc``: the commands that work on the server itself."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chatkit_host.server.credentials import load_admin_keys
from chatkit_host.server.settings import DEFAULT_DATA_DIR, FILE_STORAGES, Settings

if TYPE_CHECKING:
    from chatkit_host.server.http.endpoints import FastLane

#: ``serve`` could not start (the port is taken); documented in docs/cli.md.
EXIT_SERVE_FAILED = 1


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

    from chatkit_host.cli._banner import client_base_url, key_lines, model_line, port_in_use
    from chatkit_host.cli._logging import configure_logging
    from chatkit_host.client._base import DEFAULT_BASE_URL

    configure_logging(log_level)
    if port_in_use(host, port):
        # Before the banner, so the one thing on screen is what to do (F26); exit codes in docs/cli.md.
        click.echo(f"error: port {port} is in use; pass --port", err=True)
        sys.exit(EXIT_SERVE_FAILED)
    settings = Settings.from_env(
        data_dir=data_dir,
        database_url=database_url,
        file_storage=file_storage,
        redis_url=redis_url,
        workflow_paths=workflow_paths or None,
        workers=workers or os.cpu_count() or 1,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keys = load_admin_keys(settings.api_keys, settings.data_dir)
    base_url = client_base_url(host, port)
    for line in key_lines(keys, base_url, DEFAULT_BASE_URL):
        click.echo(line)
    # The playground and the admin console both ask for the admin key. On the first start the playground's URL
    # carries it in the fragment, which the browser never sends (so no proxy or access log sees it); the page
    # moves it to this tab's sessionStorage and takes it out of the address bar, so one click opens a chat.
    playground = f"{base_url}/#key={keys.created_key}" if keys.created_key else f"{base_url}/"
    click.echo(f"Chat UI: {playground}   Admin console: {base_url}/admin   API: {base_url}/v1")
    click.echo(model_line(settings))
    from chatkit_host.server.app import WORKER_SETTINGS_VARIABLE, create_app  # the web stack loads only here

    if settings.workers == 1:
        # Migrations run in the app's lifespan, once, before it serves.
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=True)
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
    )


async def _start_once(app: FastLane) -> None:
    # The FastAPI app inside the fast lane owns the lifespan (migrations, workflow publishing).
    async with app.app.router.lifespan_context(app.app):
        pass


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@_database_option
@_data_dir_option
def db_upgrade(database_url: str | None, data_dir: Path | None) -> None:
    """Apply all migrations (also done on every `serve`)."""
    from chatkit_host.server.store.migrate import upgrade_sync  # SQLAlchemy and Alembic load only for this command

    settings = Settings.from_env(data_dir=data_dir, database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_sync(settings.resolved_database_url)
    click.echo(f"Database at head: {settings.resolved_database_url}")


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
