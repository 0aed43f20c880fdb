"""`make bench`: sustained ingest and query latency of a served LRS, as a table and JSON.

    .venv/bin/python -m loadtests.bench --preload 1000000 --seconds 15 --concurrency 16

Pre-loads statements through the storage port, starts `python -m service serve` (embedded
store, durable acknowledgements, as `make run`), POSTs batches of 1, 10, 100 and 500 at a fixed
concurrency for a fixed time each, then times every GET filter shape. The loader's own ceiling is
measured against a do-nothing server. `--store-url` (or LRS_STORE_URL) selects another store,
e.g. mongodb://127.0.0.1:27017/lrs once that adapter exists.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from loadtests import report
from loadtests.clients import ceiling_client, ingest_client, query_client
from loadtests.preload import preload
from loadtests.rawhttp import RunStats, percentile
from loadtests.server import ResourceMonitor, default_store_url, free_port, start_server
from loadtests.stub import start_stub

RESULTS = Path("loadtests/results")
T = TypeVar("T")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--preload", type=int, default=0, help="statements stored before")
    parser.add_argument("--batch-sizes", default="1,10,100,500")
    parser.add_argument("--seconds", type=float, default=10.0, help="per batch size")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--client-procs", type=int, default=1, help="loader processes")
    parser.add_argument("--workers", type=int, default=None, help="server processes")
    parser.add_argument("--queries", type=int, default=200, help="requests per GET shape")
    parser.add_argument("--store-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the loader ceiling")
    return parser.parse_args()


def _run_clients(
    target: Callable[..., T], procs: int, monitor: ResourceMonitor | None, *args: Any
) -> tuple[list[T], float]:
    """Run `target(*args, procs)` in `procs` loader processes, sampling the server meanwhile.

    Returns the results and the server's average cores over the run.
    """
    with ProcessPoolExecutor(procs) as pool:
        futures = [pool.submit(target, *args, procs) for _ in range(procs)]
        if monitor is not None:
            monitor.restart()
        while not all(f.done() for f in futures):
            if monitor is not None:
                monitor.sample()
            time.sleep(0.2)
        cores = monitor.cores_used() if monitor is not None else 0.0
        return [f.result() for f in futures], cores


def _merged(results: list[RunStats]) -> RunStats:
    total = RunStats()
    for stats in results:
        total.merge(stats)
    return total


def _summary(stats: RunStats, batch: int, cores: float = 0.0) -> dict[str, Any]:
    lat = stats.latencies_ms
    return {
        "batch": batch,
        "seconds": round(stats.seconds, 2),
        "requests": stats.requests,
        "errors": stats.errors,
        "first_error": stats.first_error,
        "statements_per_s": round(stats.items / stats.seconds) if stats.seconds else 0,
        "requests_per_s": round(stats.requests / stats.seconds, 1) if stats.seconds else 0,
        "p50_ms": round(percentile(lat, 0.50), 2),
        "p95_ms": round(percentile(lat, 0.95), 2),
        "p99_ms": round(percentile(lat, 0.99), 2),
        "server_cores": round(cores, 2),
        "server_cpu_us_per_statement": round(cores * 1e6 / stats.items * stats.seconds)
        if stats.items
        else 0,
    }


def _ceiling(args: argparse.Namespace, sizes: list[int]) -> list[dict[str, Any]]:
    port = free_port()
    stub = start_stub(port, seconds=len(sizes) * (4 + 3) + 30)
    try:
        rows = []
        for size in sizes:
            results, _ = _run_clients(
                ceiling_client, args.client_procs, None, port, size, args.concurrency, 3.0
            )
            rows.append(_summary(_merged(results), size))
        return rows
    finally:
        stub.terminate()


def main() -> None:
    args = _arguments()
    sizes = [int(s) for s in args.batch_sizes.split(",") if s]
    workers = args.workers or int(os.environ.get("LRS_WORKERS", "1"))
    with tempfile.TemporaryDirectory(prefix="lrs-bench-") as tmp:
        store_url = args.store_url or default_store_url(Path(tmp))
        result: dict[str, Any] = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_at_start": os.getloadavg(),
            },
            "config": {
                **vars(args),
                "json": str(args.json),
                "workers": workers,
                "store": store_url.split(":", 1)[0],
            },
        }
        if args.preload:
            print(f"preloading {args.preload:,} statements ...", flush=True)
            seconds = preload(store_url, args.preload)
            result["preload"] = {"statements": args.preload, "seconds": round(seconds, 1)}
        server = start_server(store_url, Path(tmp) / "server.log", workers=workers)
        monitor = ResourceMonitor(server.process.pid)
        try:
            result["ingest"] = []
            for size in sizes:
                results, cores = _run_clients(
                    ingest_client,
                    args.client_procs,
                    monitor,
                    server.port,
                    size,
                    args.concurrency,
                    args.seconds,
                )
                row = _summary(_merged(results), size, cores)
                result["ingest"].append(row)
                print(report.ingest_line(row), flush=True)
            shapes, _ = _run_clients(query_client, 1, monitor, server.port, args.queries)
            result["queries"] = shapes[0]
            monitor.sample()
            result["server_peak_rss_mb"] = round(monitor.peak_rss / 2**20, 1)
        finally:
            server.stop()
        if not args.no_ceiling:
            result["loader_ceiling"] = _ceiling(args, sizes)
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
    failures = [
        f"batch {row['batch']}: {row['errors']} errors (first: {row['first_error']})"
        for row in result.get("ingest", [])
        if row["errors"]
    ]
    failures += [
        f"GET {shape}: {row['errors']} errors"
        for shape, row in result.get("queries", {}).items()
        if row["errors"]
    ]
    return "; ".join(failures)


if __name__ == "__main__":
    main()
