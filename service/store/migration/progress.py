"""Progress of a copy: a bar with counts and rate on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import IO

PLAIN_EVERY_SECONDS = 5.0


class Progress:
    """One kind at a time: `start`, `advance` as chunks land, `finish`."""

    def __init__(self, stream: IO[str] | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.width = width
        self.kind, self.total, self.done = "", 0, 0
        self.started = self.last_line = 0.0

    def start(self, kind: str, total: int) -> None:
        self.kind, self.total, self.done = kind, total, 0
        self.started = self.last_line = time.monotonic()
        self._draw(force=True)

    def advance(self, count: int) -> None:
        self.done += count
        self._draw()

    def finish(self) -> None:
        self._draw(force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        counts = f"{self.done:,}/{self.total:,}"
        rate = f"{self.rate():,.0f}/s"
        if self.tty:
            filled = (
                self.width * min(self.done, self.total) // self.total if self.total else self.width
            )
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.kind:16} [{bar}] {counts} {rate}   ")
            self.stream.flush()
        elif force or now - self.last_line >= PLAIN_EVERY_SECONDS:
            self.stream.write(f"{self.kind}: {counts} copied ({rate})\n")
            self.stream.flush()
            self.last_line = now
