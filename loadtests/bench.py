"""`make bench`: ingest rate, latency and server CPU against store size and batch size.

    .venv/bin/python -m loadtests.bench --store-sizes 0,1000000 --seconds 10 --loader both

Starts `python -m service serve` (embedded store, durable acknowledgements, as `make run`) on
one store that grows: it preloads to the first store size (`loadtests/preload.py`, through the
store's own write path), POSTs batches of each batch size for a fixed time with each loader
(`wrk`, native and light, and the Python raw-socket loader), times every GET filter shape, then
preloads on to the next store size and measures again. The server's CPU per statement is
measured per thread role (event loop, busiest other thread, the rest). The loaders' own
ceiling is measured against a do-nothing server. `--store-url` (or LRS_STORE_URL) selects
another store, e.g. mongodb://127.0.0.1:27017/lrs.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from loadtests import bench_plan, report
from loadtests.clients import ceiling_client, ingest_client, query_client
from loadtests.preload import preload
from loadtests.rawhttp import RunStats, percentile
from loadtests.server import ResourceMonitor, Server, default_store_url, free_port, start_server
from loadtests.stub import start_stub
from loadtests.wrk_loader import wrk_available, wrk_ingest

RESULTS = Path("loadtests/results")
CEILING_SECONDS = 3.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--store-sizes",
        default=None,
        help="ascending statement counts to measure at, in one growing store "
        f"(default {bench_plan.DEFAULT_STORE_SIZES}; e.g. 0,1000000,10000000)",
    )
    parser.add_argument(
        "--preload", type=int, default=None, help="one store size (as --store-sizes N)"
    )
    parser.add_argument("--batch-sizes", default=bench_plan.DEFAULT_BATCH_SIZES)
    parser.add_argument(
        "--loader",
        default=None,
        help="wrk, python or both (default: both when wrk is on PATH, else python)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per batch size and loader")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument(
        "--max-statements-in-flight",
        type=int,
        default=bench_plan.DEFAULT_MAX_STATEMENTS_IN_FLIGHT,
        help="fewer connections for large batches (a default server refuses more)",
    )
    parser.add_argument("--client-procs", type=int, default=1, help="Python loader processes")
    parser.add_argument("--workers", type=int, default=None, help="server processes")
    parser.add_argument("--queries", type=int, default=200, help="requests per GET shape")
    parser.add_argument("--preload-workers", type=int, default=None, help="parsing processes")
    parser.add_argument("--store-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--already-stored",
        type=int,
        default=0,
        help="statements the --store-url store holds already (a store preloaded earlier)",
    )
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the loader ceiling")
    return parser.parse_args()


def _plan(args: argparse.Namespace) -> tuple[list[int], list[int], list[str], str]:
    if args.store_sizes is not None and args.preload is not None:
        raise bench_plan.PlanError("give --store-sizes or --preload, not both")
    sizes_text = args.store_sizes or str(args.preload or bench_plan.DEFAULT_STORE_SIZES)
    loaders, note = bench_plan.choose_loaders(args.loader, wrk_available())
    return (
        bench_plan.store_sizes(sizes_text),
        bench_plan.batch_sizes(args.batch_sizes),
        loaders,
        note,
    )


def _sampled(monitor: ResourceMonitor | None, futures: list[Future[Any]]) -> None:
    """Wait for `futures`, sampling the server's memory meanwhile."""
    while not all(f.done() for f in futures):
        if monitor is not None:
            monitor.sample()
        time.sleep(0.2)


def _python_run(
    target: Callable[..., RunStats], monitor: ResourceMonitor | None, procs: int, *args: Any
) -> RunStats:
    """`target(*args, procs)` in `procs` loader processes, their results merged."""
    with ProcessPoolExecutor(procs) as pool:
        futures = [pool.submit(target, *args, procs) for _ in range(procs)]
        if monitor is not None:
            monitor.restart()
        _sampled(monitor, futures)
    total = RunStats()
    for future in futures:
        total.merge(future.result())
    return total


def _wrk_run(monitor: ResourceMonitor | None, *args: Any) -> dict[str, Any]:
    """wrk's row; with a monitor, also the server's cores while wrk ran, and the monitor's
    window then ends only once the server has stored what wrk left in flight."""
    with ThreadPoolExecutor(1) as pool:
        if monitor is not None:
            monitor.restart()
        future = pool.submit(wrk_ingest, *args)
        _sampled(monitor, [future])
        row: dict[str, Any] = future.result()
    if monitor is not None:
        row["server_cores"] = round(monitor.cpu_seconds() / row["seconds"], 2)
        monitor.wait_idle()
    return row


def _summary(stats: RunStats, batch: int) -> dict[str, Any]:
    lat = stats.latencies_ms
    return {
        "batch": batch,
        "seconds": round(stats.seconds, 2),
        "requests": stats.requests,
        "errors": stats.errors,
        "first_error": stats.first_error,
        "statements": stats.items,
        "statements_stored": stats.items,  # every request sent was answered
        "statements_per_s": round(stats.items / stats.seconds) if stats.seconds else 0,
        "requests_per_s": round(stats.requests / stats.seconds, 1) if stats.seconds else 0,
        "p50_ms": round(percentile(lat, 0.50), 2),
        "p95_ms": round(percentile(lat, 0.95), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
    }


def _server_cpu(monitor: ResourceMonitor, row: dict[str, Any]) -> dict[str, Any]:
    """The server's CPU over the run: cores, and microseconds per statement by thread role.

    Per statement stored, including what the loader left in flight (see wrk_loader), as the
    server spent CPU on those too.
    """
    statements, seconds = row["statements_stored"], row["seconds"]
    split = monitor.thread_split()

    def per_statement(cpu_seconds: float) -> int:
        return round(cpu_seconds * 1e6 / statements) if statements else 0

    cpu = monitor.cpu_seconds()
    return {
        "server_cores": row.get("server_cores", round(cpu / seconds, 2) if seconds else 0.0),
        "server_cpu_us_per_statement": per_statement(cpu),
        "server_threads_us_per_statement": {
            "event_loop": per_statement(split.main),
            "busiest_other": per_statement(split.busiest_other),
            "rest": per_statement(split.rest),
            "other_processes": per_statement(split.other_processes),
        },
    }


def _ingest(
    loader: str, args: argparse.Namespace, server: Server, monitor: ResourceMonitor, batch: int
) -> dict[str, Any]:
    conns = _connections(args, batch)
    run = (server.port, batch, conns, args.seconds)
    if loader == "wrk":
        row = _wrk_run(monitor, *run)
    else:
        row = _summary(_python_run(ingest_client, monitor, args.client_procs, *run), batch)
    return {"loader": loader, "connections": conns, **row, **_server_cpu(monitor, row)}


def _connections(args: argparse.Namespace, batch: int) -> int:
    return bench_plan.connections(batch, args.concurrency, args.max_statements_in_flight)


def _queries(port: int, requests: int) -> dict[str, dict[str, Any]]:
    with ProcessPoolExecutor(1) as pool:
        shapes: dict[str, dict[str, Any]] = pool.submit(query_client, port, requests, 1).result()
        return shapes


def _ceiling(args: argparse.Namespace, batches: list[int], loaders: list[str]) -> list[Any]:
    """What each loader alone manages against a server that answers at once."""
    port = free_port()
    stub = start_stub(port, seconds=len(batches) * len(loaders) * (CEILING_SECONDS + 4) + 30)
    try:
        rows = []
        for batch in batches:
            for loader in loaders:
                run = (port, batch, _connections(args, batch), CEILING_SECONDS)
                if loader == "wrk":
                    row = _wrk_run(None, *run)
                else:
                    stats = _python_run(ceiling_client, None, args.client_procs, *run)
                    row = _summary(stats, batch)
                rows.append({"loader": loader, **row})
        return rows
    finally:
        stub.terminate()


class _Run:
    """One growing store, the served LRS over it, and the results so far."""

    def __init__(self, args: argparse.Namespace, store_url: str, directory: Path) -> None:
        self.args = args
        self.store_url = store_url
        self.directory = directory
        self.workers = args.workers or int(os.environ.get("LRS_WORKERS", "1"))
        # statements in the store: held before, preloaded, and stored by the bench's ingest
        self.stored = args.already_stored
        self.server: Server | None = None
        self.monitor: ResourceMonitor | None = None

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = self.monitor = None

    def fill(self, size: int) -> dict[str, Any] | None:
        """Preload up to `size` stored (the server stopped meanwhile); the preload's figures."""
        more = bench_plan.fill_to(size, self.stored)
        if not more:
            return None
        self.stop_server()
        print(f"preloading {more:,} statements (to {size:,} stored) ...", flush=True)
        seconds = preload(self.store_url, more, workers=self.args.preload_workers)
        self.stored += more
        rate = round(more / seconds) if seconds else 0
        print(f"preloaded {more:,} in {seconds:,.1f} s ({rate:,}/s)", flush=True)
        return {"to": size, "statements": more, "seconds": round(seconds, 1), "per_s": rate}

    def measure(self, size: int, batches: list[int], loaders: list[str]) -> dict[str, Any]:
        """Every batch size with every loader, then every GET shape, at this store size."""
        if self.server is None:
            self.server = start_server(
                self.store_url, self.directory / "server.log", workers=self.workers
            )
            self.monitor = ResourceMonitor(self.server.process.pid)
        assert self.monitor is not None
        point: dict[str, Any] = {"store_size": size, "stored_at_start": self.stored}
        print(f"store size {size:,} ({self.stored:,} stored):", flush=True)
        point["ingest"] = []
        for batch in batches:
            for loader in loaders:
                row = _ingest(loader, self.args, self.server, self.monitor, batch)
                self.stored += row["statements_stored"]
                point["ingest"].append(row)
                print(report.ingest_line(row), flush=True)
        point["queries"] = _queries(self.server.port, self.args.queries)
        self.monitor.sample()
        point["server_peak_rss_mb"] = round(self.monitor.peak_rss / 2**20, 1)
        return point


def main() -> None:
    args = _arguments()
    try:
        sizes, batches, loaders, note = _plan(args)
    except bench_plan.PlanError as exc:
        raise SystemExit(f"bench: {exc}") from None
    if note:
        print(note, flush=True)
    with tempfile.TemporaryDirectory(prefix="lrs-bench-") as tmp:
        store_url = args.store_url or default_store_url(Path(tmp))
        run = _Run(args, store_url, Path(tmp))
        result: dict[str, Any] = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_at_start": os.getloadavg(),
            },
            "config": {
                **vars(args),
                "json": str(args.json),
                "store_sizes": sizes,
                "batch_sizes": batches,
                "loaders": loaders,
                "workers": run.workers,
                "store": store_url.split(":", 1)[0],
            },
            "preload": [],
            "sizes": [],
        }
        try:
            for size in sizes:
                filled = run.fill(size)
                if filled is not None:
                    result["preload"].append(filled)
                result["sizes"].append(run.measure(size, batches, loaders))
        finally:
            run.stop_server()
        if not args.no_ceiling:
            result["loader_ceiling"] = _ceiling(args, batches, loaders)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    print(report.table(result))
    path = args.json or RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"results written to {path}")
    failed = _failed_requests(result)
    if failed:
        raise SystemExit(f"the run is not valid: {failed}")


def _failed_requests(result: dict[str, Any]) -> str:
    """Which measured requests were refused: a run with any failure measures the wrong thing."""
    failures = []
    for point in result.get("sizes", []):
        size = point["store_size"]
        failures += [
            f"{size:,} stored, batch {row['batch']} ({row['loader']}): {row['errors']} errors "
            f"(first: {row['first_error']})"
            for row in point["ingest"]
            if row["errors"]
        ]
        failures += [
            f"{size:,} stored, GET {shape}: {row['errors']} errors"
            for shape, row in point["queries"].items()
            if row["errors"]
        ]
    return "; ".join(failures)


if __name__ == "__main__":
    main()
