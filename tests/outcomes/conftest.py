"""An authenticated client for the outcome endpoints (no xAPI version header needed), on every
store of STORE_KINDS (tests/conftest.py): one contract suite for outcomes on SQLite and MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from service.settings import Settings
from tests.conftest import client_for, make_settings


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> Settings:
    """Reports over units of a handful of people, so every group is shown (the minimum group
    size has its own tests, at the default)."""
    return make_settings(tmp_path, store_url=store_url, min_group_size=1)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, None) as c:
        yield c
