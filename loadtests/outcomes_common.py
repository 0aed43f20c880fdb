"""What the outcome benchmarks share: a server per store file, waiting for evaluation, spreads."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from loadtests.ingest_probe import KEY, SECRET, _free_port, start_server

XAPI = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
COURSES = "http://courses.example.org/course/"
_BEHIND = (
    "SELECT count(*) FROM outcome_maps WHERE status = 'evaluating' OR (status = 'current' "
    "AND cursor < (SELECT coalesce(max(seq), 0) FROM statements))"
)


@dataclass(frozen=True, slots=True)
class Lrs:
    """A running LRS process and a client of it."""

    client: httpx.AsyncClient
    pid: int
    store: Path

    def cpu_ms(self) -> float:
        """CPU time (user and system) the LRS process has used so far, from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    async def evaluated(self) -> None:
        """Like `evaluated`, read from the store file, so waiting costs the LRS no CPU time
        (the benchmarks keep one tenant, so the newest statement is that tenant's)."""
        conn = sqlite3.connect(f"file:{self.store}?mode=ro", uri=True)
        try:
            while True:
                if not conn.execute(_BEHIND).fetchone()[0]:
                    return
                await asyncio.sleep(0.002)
        finally:
            conn.close()


@contextlib.asynccontextmanager
async def lrs(
    store: Path | None = None, wait_s: float = 60, store_url: str | None = None
) -> AsyncIterator[Lrs]:
    """A freshly started LRS (as `make run`) on `store`, or on a temporary file (on
    `store_url` instead when given, e.g. a MongoDB database)."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        path = store or Path(tmp) / "lrs.sqlite3"
        server = await asyncio.to_thread(start_server, path, port, store_url)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", auth=(KEY, SECRET), timeout=wait_s
            ) as client:
                yield Lrs(client, server.pid, path)
        finally:
            server.terminate()
            server.wait(timeout=30)


async def evaluated(client: httpx.AsyncClient) -> None:
    """Return once every live map version is current with no statement pending."""
    while True:
        versions = (await client.get("/outcomes/map/evaluation")).json()["versions"]
        if all(v["status"] == "current" and v["pending_statements"] == 0 for v in versions):
            return
        await asyncio.sleep(0.01)


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
