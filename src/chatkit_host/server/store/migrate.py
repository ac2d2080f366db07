"""Apply Alembic migrations programmatically (on server start and by ``chatkit-host db upgrade``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from chatkit_host.server.store.urls import create_migration_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config("sqlite://")).get_current_head()


async def current_revision(url: str) -> str | None:
    engine = create_migration_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn: Any) -> str | None:
                return MigrationContext.configure(sync_conn).get_current_revision()

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; a no-op when it is there already."""
    if revision == "head" and await current_revision(url) == head_revision():
        return
    engine = create_migration_engine(url)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: Any) -> None:
                config = _config(url)
                config.attributes["connection"] = sync_conn
                command.upgrade(config, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(url, revision))
