"""Measure statements/s for concurrent POSTs of batches into a freshly started LRS.

    .venv/bin/python -m loadtests.ingest_probe --batches 200 --batch-size 100 --concurrency 8

Starts `python -m service serve` on a temporary SQLite file (durable acknowledgements, as
`make run`), or on `--store-url` (say `mongodb://127.0.0.1:27017/probe` after `make mongo-up`),
posts pre-generated batches from a simple concurrent httpx client, and prints the rate. The
client's own ceiling is measured too, against the `about` resource.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from loadtests.generator import StatementGenerator

KEY, SECRET = "probe", "probe-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(store: Path, port: int, store_url: str | None = None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LRS_PORT": str(port),
        "LRS_STORE_URL": store_url or f"sqlite:///{store}",
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen([sys.executable, "-m", "service", "serve"], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/xapi/about", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the LRS did not start")


async def post_all(base: str, bodies: list[bytes], concurrency: int) -> float:
    """Seconds to POST every body, `concurrency` requests in flight."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, auth=(KEY, SECRET), headers=headers, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                response = await client.post("/xapi/statements", content=body)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        return time.perf_counter() - started


async def client_ceiling(base: str, requests: int, concurrency: int) -> float:
    """Requests/s the client itself manages against the cheapest resource."""
    async with httpx.AsyncClient(
        base_url=base, limits=httpx.Limits(max_connections=concurrency)
    ) as c:
        started = time.perf_counter()
        for _ in range(requests // concurrency):
            await asyncio.gather(*[c.get("/xapi/about") for _ in range(concurrency)])
        return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--store-url",
        default=None,
        help="LRS_STORE_URL of the server, e.g. mongodb://127.0.0.1:27017/probe (default: a new "
        "SQLite file)",
    )
    args = parser.parse_args()
    generator = StatementGenerator(seed=7)
    bodies = [orjson.dumps(generator.batch(args.batch_size)) for _ in range(args.batches)]
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = start_server(Path(tmp) / "lrs.sqlite3", port, args.store_url)
        base = f"http://127.0.0.1:{port}"
        try:
            seconds = asyncio.run(post_all(base, bodies, args.concurrency))
            ceiling = asyncio.run(client_ceiling(base, 2000, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)
    total = args.batches * args.batch_size
    print(
        f"store {args.store_url or 'sqlite (new file)'}: "
        f"{total} statements in {args.batches} POSTs of {args.batch_size}, "
        f"concurrency {args.concurrency}: {seconds:.2f} s, {total / seconds:,.0f} statements/s, "
        f"{args.batches / seconds:,.1f} requests/s (client ceiling {ceiling:,.0f} requests/s)"
    )


if __name__ == "__main__":
    main()
