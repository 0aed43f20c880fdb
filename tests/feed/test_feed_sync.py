"""`python -m service feed-sync`, the reference loader (issue 19), against a served LRS that
`make demo` loaded: a DuckDB warehouse answers the same rates per unit as /outcomes/rates; a
second run loads only what changed and applies voids and erasures; a killed run resumes
without skipping or repeating a row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import orjson
import pyarrow.parquet as pq
import pytest

from tests.builders import agent, statement, voiding
from tests.server.served import ROOT, free_port, load_demo, running_lrs

KEY, SECRET = "warehouse", "warehouse-secret-123456"
XAPI = {"X-Experience-API-Version": "2.0.0"}

# Rates as /outcomes/rates defines them, from the warehouse alone: per outcome, department
# and month, the people in the unit at any time in the month, and how many of them had
# attained the outcome (current map version) by the month's end; groups below 5 left out.
RATES_SQL = """
WITH months AS (
    SELECT period, strptime(period || '-01', '%Y-%m-%d') AS start_at,
           strptime(period || '-01', '%Y-%m-%d') + INTERVAL 1 MONTH AS end_at
    FROM unnest(?::VARCHAR[]) AS t(period)
), members AS (
    SELECT m.period, r.department AS org_unit, r.learner, m.end_at
    FROM roster r JOIN months m
      ON (r.valid_from IS NULL OR r.valid_from < m.end_at)
     AND (r.valid_to IS NULL OR r.valid_to > m.start_at)
), outcomes AS (
    SELECT DISTINCT outcome FROM attainments
    WHERE map_version = (SELECT max(map_version) FROM attainments)
)
SELECT o.outcome, p.org_unit, p.period, count(DISTINCT p.learner) AS headcount,
       count(DISTINCT a.learner) AS attained
FROM members p CROSS JOIN outcomes o
LEFT JOIN attainments a
  ON a.learner = p.learner AND a.outcome = o.outcome AND a.attained_at < p.end_at
 AND a.map_version = (SELECT max(map_version) FROM attainments)
GROUP BY ALL HAVING count(DISTINCT p.learner) >= 5
"""


@pytest.fixture
def demo_lrs(tmp_path: Path) -> Iterator[str]:
    """A served LRS on SQLite loaded by `make demo`."""
    with running_lrs(tmp_path, KEY, SECRET) as base:
        load_demo(base, KEY, SECRET)
        yield base


def loader(base: str, to: str, *more: str) -> list[str]:
    """The feed-sync command line; credentials from the environment, as cron would pass them."""
    return [sys.executable, "-m", "service", "feed-sync", "--url", base, "--to", to, *more]


def loader_env() -> dict[str, str]:
    return {**os.environ, "LRS_FEED_KEY": KEY, "LRS_FEED_SECRET": SECRET}


def sync(base: str, to: str, *more: str) -> str:
    done = subprocess.run(
        loader(base, to, *more),
        env=loader_env(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def counts(printed: str) -> dict[str, int]:
    """`statement 3, void 1, ...; cursor C` as {kind: rows}."""
    kinds = printed.strip().split(";")[0].split(", ")
    return {kind: int(n) for kind, n in (item.rsplit(" ", 1) for item in kinds)}


def lrs(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, auth=(KEY, SECRET), headers=XAPI, timeout=30)


def test_a_duckdb_warehouse_answers_the_rates_the_lrs_answers(
    demo_lrs: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    printed = sync(demo_lrs, f"duckdb:{warehouse}")
    with lrs(demo_lrs) as c:
        rates = c.get("/outcomes/rates").json()["rows"]
        roster = c.get("/exports/roster.parquet").content
    assert counts(printed)["statement"] > 0
    assert counts(printed)["attainment"] > 0
    (tmp_path / "roster.parquet").write_bytes(roster)  # the HR table a warehouse joins with
    with duckdb.connect(str(warehouse)) as db:
        db.execute(f"CREATE TABLE roster AS FROM '{tmp_path / 'roster.parquet'}'")
        periods = sorted({row["period"] for row in rates})
        found = db.execute(RATES_SQL, [periods]).fetchall()
    ours = {(o, u, p): round(attained / headcount, 4) for o, u, p, headcount, attained in found}
    theirs = {(r["outcome"], r["org_unit"], r["period"]): r["rate"] for r in rates}
    assert any(rate > 0 for rate in theirs.values())
    # An outcome of the map that nobody attained has no row in the feed, so no warehouse row.
    attained = {outcome for outcome, _, _ in ours}
    assert {k: v for k, v in theirs.items() if k[0] in attained} == ours
    assert all(v == 0 for k, v in theirs.items() if k[0] not in attained)


def test_a_second_run_loads_only_the_changes_and_applies_them(
    demo_lrs: str, tmp_path: Path
) -> None:
    warehouse = f"duckdb:{tmp_path / 'warehouse.duckdb'}"
    sync(demo_lrs, warehouse)
    erased = {"objectType": "Agent", "mbox": "mailto:sales-berlin-0@example.com"}
    with lrs(demo_lrs) as c:
        posted = [statement(actor=agent(f"new{n}")) for n in range(3)]
        assert c.post("/xapi/statements", json=posted).status_code == 200
        void = voiding(posted[0]["id"])
        assert c.post("/xapi/statements", json=void).status_code == 200
        answer = c.post("/admin/tenants/default/erasures", json={"agent": erased})
        assert answer.is_success, answer.text
        view = all_statements(c)
    second = counts(sync(demo_lrs, warehouse))
    assert second["statement"] == 4  # three new ones and the voiding statement, nothing again
    assert second["void"] == 1
    assert second["erasure"] > 0
    assert sync(demo_lrs, warehouse).startswith("statement 0, void 0, erasure 0, attainment 0")
    with duckdb.connect(tmp_path / "warehouse.duckdb") as db:
        kept = dict(
            db.execute(
                "SELECT id, statement FROM statements WHERE id NOT IN (SELECT id FROM voids)"
            ).fetchall()
        )
        voided = db.execute("SELECT id, voiding_statement_id FROM voids").fetchall()
        duplicates = db.execute("SELECT count(*) - count(DISTINCT id) FROM statements").fetchall()
    assert voided == [(posted[0]["id"], void["id"])]
    assert duplicates == [(0,)]
    assert sorted(kept) == sorted(view)
    assert {i: orjson.loads(body)["actor"] for i, body in kept.items()} == {
        i: body["actor"] for i, body in view.items()
    }
    assert "sales-berlin-0@example.com" not in " ".join(kept.values())


def test_an_erased_learners_attainments_leave_the_warehouse(demo_lrs: str, tmp_path: Path) -> None:
    """Erasure (issue 5): the feed's `attainment_deleted` rows, naming only change ids, drop
    the person's attainments from a DuckDB warehouse and from the Parquet files of a directory
    loaded before; a pull from the start no longer names them."""
    warehouse, directory = f"duckdb:{tmp_path / 'warehouse.duckdb'}", tmp_path / "feed"
    sync(demo_lrs, warehouse)
    sync(demo_lrs, str(directory))
    person = "sales-berlin-0@example.com"
    assert person in files_text(directory / "attainment")
    with lrs(demo_lrs) as c:
        erased = {"objectType": "Agent", "mbox": f"mailto:{person}"}
        assert c.post("/admin/tenants/default/erasures", json={"agent": erased}).is_success
        export = c.get("/exports/attainments.ndjson").iter_lines()
        attained = sorted((row["learner"], row["outcome"]) for row in map(orjson.loads, export))
        from_start = c.get("/exports/feed.ndjson", params={"limit": 5000}).text
    assert person not in from_start
    assert counts(sync(demo_lrs, warehouse))["erasure"] > 0
    sync(demo_lrs, str(directory))
    with duckdb.connect(tmp_path / "warehouse.duckdb") as db:
        loaded = db.execute("SELECT learner, outcome FROM attainments ORDER BY ALL").fetchall()
        leaked = db.execute(
            "SELECT count(*) FROM erasures WHERE erasure_action = 'attainment_deleted' "
            "AND (id IS NOT NULL OR change_id IS NULL)"
        ).fetchall()
    assert loaded == attained
    assert leaked == [(0,)]
    assert person not in files_text(directory / "attainment")


def files_text(directory: Path) -> str:
    """Every row of the Parquet files in `directory`, as one text to search."""
    return " ".join(str(pq.read_table(path).to_pylist()) for path in directory.glob("*.parquet"))


def all_statements(c: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every statement GET /statements shows (voided ones are not), by id."""
    found: dict[str, dict[str, Any]] = {}
    path: str | None = "/xapi/statements?limit=500"
    while path:
        page = c.get(path).json()
        found.update({body["id"]: body for body in page["statements"]})
        path = page["more"] or None
    return found


def test_a_killed_run_resumes_without_skipping_or_repeating(demo_lrs: str, tmp_path: Path) -> None:
    directory = tmp_path / "feed"
    run = subprocess.Popen(
        loader(demo_lrs, str(directory), "--limit", "7"),
        env=loader_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (directory / "feed.cursor").exists() and run.poll() is None:
        assert time.monotonic() < deadline, "no page was stored"
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)
    run.wait()
    resumed = counts(sync(demo_lrs, str(directory), "--limit", "7"))
    everything = counts(sync(demo_lrs, str(tmp_path / "clean")))
    assert 0 < sum(resumed.values()) < sum(everything.values())
    loaded = [pq.read_table(path) for path in sorted(directory.glob("*/*.parquet"))]
    cursors = [c for table in loaded for c in table.column("cursor").to_pylist()]
    assert len(cursors) == len(set(cursors)) == sum(everything.values())


def test_a_killed_duckdb_load_resumes_to_the_same_tables(demo_lrs: str, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    run = subprocess.Popen(
        loader(demo_lrs, f"duckdb:{warehouse}", "--limit", "5"),
        env=loader_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.5)  # wherever the kill lands, the resumed load must equal a clean one
    run.send_signal(signal.SIGKILL)
    run.wait()
    sync(demo_lrs, f"duckdb:{warehouse}", "--limit", "5")
    sync(demo_lrs, f"duckdb:{tmp_path / 'clean.duckdb'}")
    assert tables(warehouse) == tables(tmp_path / "clean.duckdb")


def tables(warehouse: Path) -> list[list[tuple[Any, ...]]]:
    """Every warehouse table's rows but their cursor, sorted (the load's page sizes differ)."""
    with duckdb.connect(warehouse) as db:
        return [
            sorted(db.execute(f"SELECT * EXCLUDE (cursor) FROM {t}").fetchall(), key=repr)
            for t in ("statements", "voids", "erasures", "attainments")
        ]


def test_a_failing_server_stops_the_run_and_the_next_one_resumes(
    demo_lrs: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    gone = subprocess.run(
        loader(f"http://127.0.0.1:{free_port()}", f"duckdb:{warehouse}"),
        env=loader_env(), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert gone.returncode == 1
    assert "resumes from the cursor" in gone.stderr
    refused = subprocess.run(
        [*loader(demo_lrs, f"duckdb:{warehouse}"), "--secret", "wrong-secret-123456"],
        env=loader_env(), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "401" in refused.stderr
    first = counts(sync(demo_lrs, f"duckdb:{warehouse}", "--limit", "50"))
    with duckdb.connect(warehouse) as db:
        loaded = db.execute("SELECT count(*), count(DISTINCT id) FROM statements").fetchall()
    assert loaded == [(first["statement"], first["statement"])]
