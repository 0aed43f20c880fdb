"""The whole service on the MongoDB store, where it differs from SQLite (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.app import create_app
from tests.conftest import client_for, make_settings
from tests.outcomes.support import (
    PASSED,
    attainments,
    learners,
    one_outcome_map,
    passed,
    post_statements,
    put_map,
)

pytestmark = pytest.mark.asyncio


async def test_outcome_state_outlives_a_restart(tmp_path: Path, database_url: str) -> None:
    """Outcome state is kept on MongoDB (issue 16): attainments evaluated before a restart are
    there after it, and statements stored later are evaluated from the stored cursor."""
    settings = make_settings(tmp_path, store_url=database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as client:
        await put_map(client, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
        await post_statements(client, passed("ann"))
        assert learners(await attainments(client)) == ["mailto:ann@example.org"]
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app, None) as client:
        await post_statements(client, passed("bob"))
        found = await attainments(client)
        assert learners(found) == ["mailto:ann@example.org", "mailto:bob@example.org"]
        (version,) = (await client.get("/outcomes/map/evaluation")).json()["versions"]
        assert version["evaluated_statements"] == 2
