"""Fixtures every browser test module shares: one chromium per module, and an exit stack per test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser

from tests.browser.harness import launch


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    """Everything a test opens (servers, browser contexts, clients), closed in reverse when it ends."""
    with ExitStack() as s:
        yield s
