"""Saturate a served LRS (its own admission limits unless given); print accepted/shed counts,
latencies of both and of a concurrent xAPI GET, failures of clients and probes, and the
server's peak RSS (issues 9 and 14).

    python -m loadtests.overload [--clients 256] [--requests 40] [--batch 2000] ...
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import uvloop

from loadtests.bodies import BodyPool
from loadtests.saturate import SaturationResult, rss_bytes, saturate
from loadtests.server import AUTH, default_store_url, start_server

_pools: dict[int, BodyPool] = {}


def _body(batch: int, number: int) -> bytes:
    pool = _pools.get(batch)
    if pool is None:
        pool = _pools[batch] = BodyPool(batch, pool=max(2, min(64, 20_000 // batch)))
    return pool.body(number)


def _run_share(
    base: str, pid: int, batch: int, clients: int, requests: int, first: int, probe: bool
) -> SaturationResult:
    """One client process: its share of the clients, numbered apart from the others."""
    return uvloop.run(
        saturate(
            base,
            pid,
            AUTH,
            lambda number: _body(batch, number),
            clients=clients,
            requests_per_client=requests,
            first=first,
            probe=probe,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=256, help="concurrent connections")
    parser.add_argument("--requests", type=int, default=40, help="POSTs per connection")
    parser.add_argument("--batch", type=int, default=10, help="statements per POST")
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument(
        "--max-inflight", type=int, default=0, help="LRS_MAX_INFLIGHT_REQUESTS (0: the default)"
    )
    parser.add_argument(
        "--max-writes", type=int, default=0, help="LRS_MAX_PENDING_WRITES (0: the default)"
    )
    parser.add_argument("--wait-ms", type=int, default=0, help="LRS_ADMISSION_WAIT_MS")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="more LRS_ settings"
    )
    args = parser.parse_args()
    limits = {
        "LRS_MAX_INFLIGHT_REQUESTS": str(args.max_inflight),
        "LRS_MAX_PENDING_WRITES": str(args.max_writes),
        "LRS_ADMISSION_WAIT_MS": str(args.wait_ms),
        "LRS_ACCESS_LOG": "false",
        **dict(item.split("=", 1) for item in args.env),
    }
    with tempfile.TemporaryDirectory(prefix="lrs-overload-") as directory:
        folder = Path(directory)
        server = start_server(default_store_url(folder), folder / "server.log", extra_env=limits)
        try:
            idle = rss_bytes(server.process.pid)
            share = max(1, args.clients // args.processes)
            with ProcessPoolExecutor(args.processes) as pool:
                futures = [
                    pool.submit(
                        _run_share,
                        server.base,
                        server.process.pid,
                        args.batch,
                        share,
                        args.requests,
                        i * share * args.requests,
                        i == 0,
                    )
                    for i in range(args.processes)
                ]
                result = SaturationResult()
                for future in futures:
                    result.merge(future.result())
            time.sleep(3)
            settled = rss_bytes(server.process.pid)
            after = httpx.post(
                f"{server.base}/xapi/statements",
                content=_body(1, 10**9),
                headers={"Authorization": AUTH, "X-Experience-API-Version": "2.0.0"},
                timeout=60,
            )
        finally:
            server.stop()
    print(f"limits        {limits}  (client processes: {args.processes}, cores: {os.cpu_count()})")
    print(result.summary())
    print(f"idle RSS      {idle / 2**20:.1f} MiB; 3 s after the load {settled / 2**20:.1f} MiB")
    print(f"after load    POST {after.status_code}")


if __name__ == "__main__":
    main()
