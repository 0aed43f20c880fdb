"""A served LRS over a preloaded store, for the measurements that need one (the load extra)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadtests.preload import preload
from loadtests.server import Server, default_store_url, start_server


@contextmanager
def preloaded_server(directory: Path, statements: int) -> Iterator[Server]:
    """A served LRS on a fresh SQLite file in `directory` holding `statements` statements."""
    store_url = default_store_url(directory)
    loaded = preload(store_url, statements, progress=False)
    print(f"preloaded {statements} statements in {loaded:.0f} s")
    server = start_server(store_url, directory / "server.log")
    try:
        yield server
    finally:
        server.stop()
