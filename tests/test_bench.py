"""`make bench` (loadtests/bench.py): its plan, its wrk reading, its curve, and a short real run.

The run serves a real LRS process on a real SQLite file, preloads it to two store sizes and
measures with both loaders; nothing here asserts a speed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson
import pytest

from loadtests import bench_plan, report
from loadtests.bench_plan import PlanError
from loadtests.preload import preload, write_sizes
from loadtests.server import split_threads
from loadtests.wrk_loader import RESULT_MARK, parse_wrk_result

ROOT = Path(__file__).parents[1]


def test_store_sizes_are_ascending_counts_of_one_growing_store() -> None:
    assert bench_plan.store_sizes("0,1000000,10000000") == [0, 1_000_000, 10_000_000]
    assert bench_plan.store_sizes("10000000") == [10_000_000]  # PRELOAD=N
    assert bench_plan.store_sizes(" 0, 1_000 ") == [0, 1000]
    for wrong in ("", "1000,0", "0,0", "-5", "1e6", "0,,x"):
        with pytest.raises(PlanError):
            bench_plan.store_sizes(wrong)


def test_batch_sizes_are_positive() -> None:
    assert bench_plan.batch_sizes(bench_plan.DEFAULT_BATCH_SIZES) == [1, 10, 100, 1000]
    for wrong in ("", "0,10", "ten"):
        with pytest.raises(PlanError):
            bench_plan.batch_sizes(wrong)


def test_each_fill_tops_the_store_up_to_the_next_size() -> None:
    assert bench_plan.fill_to(1_000_000, 0) == 1_000_000
    # what the bench ingested at the sizes before counts towards the next one
    assert bench_plan.fill_to(1_000_000, 260_000) == 740_000
    assert bench_plan.fill_to(2_000, 33_000) == 0


def test_large_batches_go_on_fewer_connections_than_a_default_server_would_refuse() -> None:
    limit = bench_plan.DEFAULT_MAX_STATEMENTS_IN_FLIGHT
    assert bench_plan.connections(100, 16, limit) == 16
    assert bench_plan.connections(1000, 16, limit) == 8
    assert bench_plan.connections(10_000, 16, limit) == 1  # one request always goes


def test_both_loaders_run_when_wrk_is_installed_else_python_with_a_note() -> None:
    assert bench_plan.choose_loaders(None, wrk_found=True) == (["python", "wrk"], "")
    loaders, note = bench_plan.choose_loaders(None, wrk_found=False)
    assert loaders == ["python"]
    assert "wrk is not installed" in note
    assert bench_plan.choose_loaders("both", wrk_found=True)[0] == ["python", "wrk"]
    assert bench_plan.choose_loaders("wrk", wrk_found=True) == (["wrk"], "")
    assert bench_plan.choose_loaders("python", wrk_found=False) == (["python"], "")
    for requested in ("wrk", "both"):
        with pytest.raises(PlanError, match="needs wrk"):
            bench_plan.choose_loaders(requested, wrk_found=False)
    with pytest.raises(PlanError):
        bench_plan.choose_loaders("locust", wrk_found=True)


def test_wrk_result_counts_refused_requests_as_errors_without_statements() -> None:
    line = orjson.dumps(
        {
            "requests": 1000,
            "sent": 1016,  # 16 in flight when wrk stopped: stored, never answered
            "duration_us": 2_000_000,
            "errors": 3,
            "status_errors": 10,
            "p50_us": 12_500,
            "p95_us": 30_000,
            "p99_us": 41_250,
        }
    ).decode()
    stdout = f"Running 2s test @ http://127.0.0.1:1\n{RESULT_MARK}{line}\n"
    row = parse_wrk_result(stdout, batch=100)
    assert row["batch"] == 100
    assert row["errors"] == 13
    assert row["statements"] == 99_000
    assert row["statements_stored"] == 100_600
    assert row["statements_per_s"] == 49_500
    assert row["requests_per_s"] == 500.0
    assert (row["p50_ms"], row["p95_ms"], row["p99_ms"]) == (12.5, 30.0, 41.25)
    with pytest.raises(RuntimeError, match="no result line"):
        parse_wrk_result("Running 2s test\n", batch=1)


def test_thread_split_by_role_in_serving_processes_and_the_processes_they_started() -> None:
    before = {(10, 10): 1.0, (10, 11): 5.0, (10, 12): 0.5, (20, 20): 0.0, (20, 21): 0.0}
    after = {
        (10, 10): 3.0,  # main thread of process 10: +2
        (10, 11): 6.0,  # +1
        (10, 12): 3.5,  # +3: the busiest other thread of process 10
        (10, 13): 0.25,  # started within the window
        (20, 20): 1.0,
        (20, 21): 2.0,  # the busiest other thread of process 20
        (30, 30): 4.0,  # a process started by a server (a writer process): not serving
        (30, 31): 0.5,
    }
    split = split_threads(before, after, serving={10, 20})
    assert split.main == pytest.approx(3.0)
    assert split.busiest_other == pytest.approx(5.0)
    assert split.rest == pytest.approx(1.25)
    assert split.other_processes == pytest.approx(4.5)


def _row(loader: str, batch: int, rate: int, p99: float) -> dict[str, Any]:
    return {
        "loader": loader,
        "batch": batch,
        "statements_per_s": rate,
        "requests_per_s": rate / batch,
        "p50_ms": 1.0,
        "p95_ms": 2.0,
        "p99_ms": p99,
        "server_cores": 1.0,
        "server_cpu_us_per_statement": 150,
        "server_threads_us_per_statement": {
            "event_loop": 70,
            "busiest_other": 75,
            "rest": 5,
            "other_processes": 0,
        },
        "errors": 0,
    }


def _point(size: int, stored: int, rate: int, p95: float) -> dict[str, Any]:
    return {
        "store_size": size,
        "stored_at_start": stored,
        "ingest": [
            _row(loader, batch, rate * batch, 10.0 * batch)
            for batch in (1, 100)
            for loader in ("python", "wrk")
        ],
        "queries": {
            "agent": {"mean_statements": 3, "p50_ms": 1, "p95_ms": p95, "p99_ms": 9, "errors": 0}
        },
        "server_peak_rss_mb": 300.0,
    }


def test_report_renders_a_table_per_store_size_and_the_curves() -> None:
    result: dict[str, Any] = {
        "machine": {"cpus": 2, "load_average_at_start": (0.5, 0.5, 0.5)},
        "config": {
            "store": "sqlite",
            "store_sizes": [0, 1_000_000],
            "loaders": ["python", "wrk"],
            "concurrency": 16,
            "workers": 1,
            "client_procs": 1,
        },
        "preload": [{"to": 1_000_000, "statements": 740_000, "seconds": 80.0, "per_s": 9250}],
        "sizes": [_point(0, 0, 1000, 2.5), _point(1_000_000, 1_000_000, 800, 7.25)],
    }
    text = report.table(result)
    assert "### 1,000,000 stored (1,000,000 at start)" in text
    assert "preloaded 740,000 statements to 1,000,000 in 80.0 s (9,250/s)" in text
    for loader in ("python", "wrk"):
        curve = report.curve(result["sizes"], loader)
        assert curve[2] == "| batch | 0 stored | 1M stored |"
        assert curve[4] == "| 1 | 1,000/s, p99 10 ms, 150 us | 800/s, p99 10 ms, 150 us |"
        assert curve[5].startswith("| 100 | 100,000/s, p99 1000 ms")
        assert "\n".join(curve) in text
    assert "| agent | 2.5 | 7.25 |" in report.query_curve(result["sizes"])
    # a size the bench's own ingest had already passed says what was stored instead
    passed = [_point(0, 0, 1000, 1.0), _point(2000, 33_139, 900, 1.0)]
    assert "| batch | 0 stored | 2k stored (33.1k at start) |" in report.curve(passed, "wrk")


def test_preload_writes_join_whole_bodies_and_cut_the_last() -> None:
    assert list(write_sizes(12_345, 5_000)) == [(0, 5000), (10, 5000), (20, 2345)]
    assert list(write_sizes(700, 200)) == [(0, 500), (1, 200)]  # at least one body per write


def test_preload_adds_exactly_the_statements_asked_for_with_new_ids(tmp_path: Path) -> None:
    path = tmp_path / "lrs.sqlite3"
    preload(f"sqlite:///{path}", 1234, per_write=1000, progress=False)
    preload(f"sqlite:///{path}", 766, per_write=1000, progress=False)  # fills on, as the bench
    with closing(sqlite3.connect(path)) as conn:
        rows, ids = conn.execute("SELECT count(*), count(DISTINCT id) FROM statements").fetchone()
    assert rows == ids == 2000


def _loader() -> str:
    if shutil.which("wrk"):
        return "both"
    if os.environ.get("LRS_TEST_WRK") == "required":
        pytest.fail("the bench test needs wrk: `make wrk` installs Debian's")
    return "python"


def test_bench_measures_a_growing_store_with_each_loader(tmp_path: Path) -> None:
    loader = _loader()
    out = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "loadtests.bench", "--store-sizes", "2000,40000",
        "--batch-sizes", "1,10", "--seconds", "1", "--queries", "3", "--no-ceiling",
        "--loader", loader, "--json", str(out),
    ]  # fmt: skip
    env = {**os.environ, "LRS_STORE_URL": f"sqlite:///{tmp_path / 'lrs.sqlite3'}"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = orjson.loads(out.read_bytes())
    loaders = ["python", "wrk"] if loader == "both" else ["python"]
    first, second = result["sizes"]
    assert [point["store_size"] for point in result["sizes"]] == [2000, 40_000]
    assert first["stored_at_start"] == 2000
    assert result["preload"][0] == {**result["preload"][0], "to": 2000, "statements": 2000}
    # the second fill counts what the first size's ingest added
    grown = 2000 + sum(row["statements_stored"] for row in first["ingest"])
    assert result["preload"][1]["statements"] == 40_000 - grown
    assert second["stored_at_start"] == 40_000
    for point in result["sizes"]:
        assert [(row["batch"], row["loader"]) for row in point["ingest"]] == [
            (batch, name) for batch in (1, 10) for name in loaders
        ]
        for row in point["ingest"]:
            assert row["errors"] == 0
            assert row["statements"] > 0
            assert row["server_cpu_us_per_statement"] > 0
            assert row["server_threads_us_per_statement"]["event_loop"] > 0
        assert set(point["queries"]) >= {"agent", "verb", "registration", "more paging"}
        assert all(shape["errors"] == 0 for shape in point["queries"].values())
    # what the bench counted (wrk's unanswered requests too) is what the store holds
    counted = second["stored_at_start"] + sum(row["statements_stored"] for row in second["ingest"])
    with closing(sqlite3.connect(tmp_path / "lrs.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM statements").fetchone()[0] == counted
    for name in loaders:
        assert f"ingest with {name}" in done.stdout
    assert "GET p95 ms against store size:" in done.stdout
