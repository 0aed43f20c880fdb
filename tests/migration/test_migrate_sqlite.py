"""`python -m service migrate` between SQLite files: copied whole and verified, resumed without
duplicates, outcome data included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service.app import create_app
from tests.builders import statement, voiding
from tests.conftest import client_for, make_settings
from tests.migration import run_migrate
from tests.outcomes.support import one_outcome_map, put_map, settle

COMPLETED = "http://example.org/verbs/completed"


async def _source(tmp_path: Path, *, outcome_map: bool) -> str:
    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    app = create_app(make_settings(tmp_path, store_url=url))
    async with app.router.lifespan_context(app), client_for(app, "2.0.0") as http:
        batch = [statement() for _ in range(30)]
        assert (await http.post("/xapi/statements", json=batch)).status_code == 200
        assert (
            await http.post("/xapi/statements", json=[voiding(batch[0]["id"])])
        ).status_code == 200
        if outcome_map:
            await put_map(http, one_outcome_map({"all": [{"verbs": [COMPLETED]}]}))
            await settle(http)
    return url


def _ids(path: Path) -> list[tuple[str, str, int, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT tenant, id, stored, voided FROM statements WHERE tenant != '' ORDER BY seq"
        ).fetchall()


async def test_sqlite_to_sqlite_copies_in_stored_order_and_resumes(tmp_path: Path) -> None:
    source = await _source(tmp_path, outcome_map=False)
    target = tmp_path / "target.sqlite3"
    done = run_migrate("--from", source, "--to", f"sqlite:///{target}", "--chunk", "7")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified" in done.stdout
    assert "statements: 31/31 copied" in done.stderr  # plain progress lines: not a terminal
    assert _ids(target) == _ids(tmp_path / "source.sqlite3")
    # An interrupted copy: the target lost its last statements and the marks say "not done".
    with sqlite3.connect(target) as conn:
        conn.execute("DELETE FROM statements WHERE seq > 20")
        conn.execute("DELETE FROM meta WHERE name = 'migration:statements'")
    refused = run_migrate("--from", source, "--to", f"sqlite:///{target}")
    assert refused.returncode == 2
    assert "already holds data" in refused.stderr
    resumed = run_migrate("--from", source, "--to", f"sqlite:///{target}", "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert _ids(target) == _ids(tmp_path / "source.sqlite3")  # nothing twice, order kept


async def test_outcome_data_is_copied(tmp_path: Path) -> None:
    """Map versions, evidence and attainments come along (cursors start again at 0: the
    target re-evaluates its own sequence numbers to the same state)."""
    source = await _source(tmp_path, outcome_map=True)
    target = tmp_path / "target.sqlite3"
    copied = run_migrate("--from", source, "--to", f"sqlite:///{target}")
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "verified" in copied.stdout
    query = (
        "SELECT (SELECT count(*) FROM outcome_maps), (SELECT count(*) FROM outcome_evidence), "
        "(SELECT group_concat(learner || outcome, ' ') FROM outcome_attainments)"
    )
    with sqlite3.connect(tmp_path / "source.sqlite3") as conn:
        expected = conn.execute(query).fetchone()
    with sqlite3.connect(target) as conn:
        assert conn.execute(query).fetchone() == expected
        assert conn.execute("SELECT cursor FROM outcome_maps").fetchall() == [(0,)]
    assert expected[1] == 29  # 30 completed, one voided


async def test_a_chunk_of_erased_statements_does_not_end_the_copy(tmp_path: Path) -> None:
    """Erased statements leave tombstones in an SQLite file; a chunk holding only those is
    read past, and the statements after it are copied."""
    source = await _source(tmp_path, outcome_map=False)
    with sqlite3.connect(tmp_path / "source.sqlite3") as conn:  # as `_delete_statement` does
        conn.execute(
            "UPDATE statements SET tenant = '', id = 'erased:' || seq, body = x'' "
            "WHERE seq IN (SELECT seq FROM statements ORDER BY seq LIMIT 10)"
        )
    target = tmp_path / "target.sqlite3"
    done = run_migrate("--from", source, "--to", f"sqlite:///{target}", "--chunk", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(_ids(target)) == 31 - 10
    assert _ids(target) == _ids(tmp_path / "source.sqlite3")
