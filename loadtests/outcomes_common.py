"""What the outcome benchmarks share: a server per store file, waiting for evaluation, spreads."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from loadtests.ingest_probe import KEY, SECRET, _free_port, start_server

XAPI = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
COURSES = "http://courses.example.org/course/"


@contextlib.asynccontextmanager
async def lrs(store: Path | None = None, wait_s: float = 60) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a freshly started LRS (as `make run`) on `store`, or on a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = await asyncio.to_thread(start_server, store or Path(tmp) / "lrs.sqlite3", port)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", auth=(KEY, SECRET), timeout=wait_s
            ) as client:
                yield client
        finally:
            server.terminate()
            server.wait(timeout=30)


async def evaluated(client: httpx.AsyncClient) -> None:
    """Return once every live map version is current with no statement pending."""
    while True:
        versions = (await client.get("/outcomes/map/evaluation")).json()["versions"]
        if all(v["status"] == "current" and v["pending_statements"] == 0 for v in versions):
            return
        await asyncio.sleep(0.002)


def spread(values: list[float]) -> str:
    """`median [p25 .. p75]` of the values, to one decimal."""
    low, mid, high = (percentile(values, share) for share in (0.25, 0.5, 0.75))
    return f"{mid:.1f} [{low:.1f} .. {high:.1f}]"


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0..1) by linear interpolation between the closest samples."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
