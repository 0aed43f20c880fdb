"""Concurrent batch ingest that runs until the service is killed or told to stop.

Each client thread POSTs batches of 1..max_batch statements back to back over a keep-alive
connection. A 200 with one id per statement acknowledges a batch; a dropped connection leaves
it unacknowledged. Anything else (another status, a failure before the kill) is a problem the
crash test reports.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import httpx

from loadtests.crash_batches import Batch, make_batch
from loadtests.crash_server import KEY, SECRET

HEADERS = {"X-Experience-API-Version": "2.0.0"}


@dataclass
class Load:
    """The client threads of one cycle and the batches they sent."""

    base: str
    cycle: int
    seed: str
    clients: int
    max_batch: int
    batches: list[Batch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    killed_at: float | None = None  # monotonic instant of the kill, set just before it
    sending: threading.Event = field(default_factory=threading.Event)  # a first POST began
    answered: threading.Event = field(default_factory=threading.Event)  # a first 200 arrived
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Let every request in flight finish, send no more, wait for the threads."""
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self, number: int) -> None:
        rng = random.Random(f"{self.seed}:{self.cycle}:{number}")
        with httpx.Client(
            base_url=self.base, auth=(KEY, SECRET), headers=HEADERS, timeout=60
        ) as client:
            sent = 0
            while not self._stop.is_set():
                size = rng.randint(1, self.max_batch)
                batch = make_batch(rng, self.cycle, f"{self.cycle}.{number}.{sent}", size)
                sent += 1
                with self._lock:
                    self.batches.append(batch)
                self.sending.set()
                if not self._post(client, batch):
                    return

    def _post(self, client: httpx.Client, batch: Batch) -> bool:
        """Send one batch; whether to go on sending."""
        try:
            response = client.post("/xapi/statements", json=batch.statements)
        except httpx.TransportError as exc:
            killed_at = self.killed_at
            if killed_at is None or time.monotonic() < killed_at:
                self._problem(f"batch {batch.name} failed before the kill: {exc!r}")
            return False
        if response.status_code != 200:
            self._problem(
                f"batch {batch.name}: status {response.status_code} {response.text[:200]}"
            )
            return False
        ids = response.json()
        if not isinstance(ids, list) or len(ids) != len(batch.statements):
            self._problem(f"batch {batch.name}: the 200 did not carry one id per statement")
            return False
        batch.ids = [str(i) for i in ids]
        self.answered.set()
        return True

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)
