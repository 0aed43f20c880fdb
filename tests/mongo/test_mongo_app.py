"""The whole service on the MongoDB store, where it differs from SQLite (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.app import create_app
from tests.builders import statement
from tests.conftest import client_for, make_settings

pytestmark = pytest.mark.asyncio


async def test_outcomes_say_the_store_lacks_them(tmp_path: Path, database_url: str) -> None:
    """Outcome state is SQLite-only for now: a clear 501, while statements work as usual."""
    app = create_app(make_settings(tmp_path, store_url=database_url))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as client:
        assert (await client.post("/xapi/statements", json=statement())).status_code == 200
        response = await client.get("/outcomes/map")
        assert response.status_code == 501
        assert "MongoDB" in response.json()["message"]
