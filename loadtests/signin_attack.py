"""Guess secrets against a served LRS: what the clock tells and what the guessing costs.

    python -m loadtests.signin_attack [--samples 50] [--threads 16] [--seconds 12]

1. Timing: alternating wrong secrets for the existing key and random unknown keys (a server with
   the failure limits raised so that none is refused); the medians of both.
2. Floods with the default limits: `--threads` threads send wrong secrets for `--seconds`
   while one well-behaved client (signed in before, same address) keeps reading; (a) for the
   existing key from one address, (b) for a new key each time from one address, (c) for a new
   key each time from a new address each time (`X-Forwarded-For`, which uvicorn trusts from the
   loopback as from a local proxy). Each prints answers by status, the server's cores used and
   the well-behaved client's answers and latency.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from loadtests.rawhttp import basic_auth, percentile
from loadtests.server import AUTH, KEY, ResourceMonitor, Server, default_store_url, start_server

VERSION = {"X-Experience-API-Version": "2.0.0"}
RAISED_LIMITS = {
    "LRS_SIGNIN_FAILURES_PER_KEY": "100000",
    "LRS_SIGNIN_FAILURES_PER_ADDRESS": "100000",
}


def random_address() -> str:
    """An address in 10.0.0.0/8, as a proxy would forward it."""
    return "10." + ".".join(str(secrets.randbelow(256)) for _ in range(3))


def timing(base: str, samples: int) -> tuple[float, float]:
    """Median milliseconds of a wrong secret for the existing key and of an unknown key."""
    known: list[float] = []
    unknown: list[float] = []
    with httpx.Client(base_url=base, headers=VERSION, timeout=30) as http:
        for _ in range(samples):
            for key, into in ((KEY, known), (secrets.token_hex(8), unknown)):
                auth = {"Authorization": basic_auth(key, secrets.token_urlsafe(12))}
                began = time.perf_counter()
                answer = http.get("/xapi/statements", headers=auth)
                into.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 401, answer.status_code
    return statistics.median(known), statistics.median(unknown)


FLOODS = {
    "existing key, one address": (False, False),
    "new keys, one address": (True, False),
    "new keys, many addresses": (True, True),
}


def flood(server: Server, threads: int, seconds: float, name: str) -> None:
    """Wrong secrets from `threads` threads while a signed-in client reads; print the tally."""
    statuses: Counter[int] = Counter()
    good: Counter[int] = Counter()
    good_ms: list[float] = []
    lock = threading.Lock()
    new_keys, spread = FLOODS[name]
    deadline = time.monotonic() + seconds

    def attacker() -> None:
        with httpx.Client(base_url=server.base, headers=VERSION, timeout=30) as http:
            while time.monotonic() < deadline:
                key = secrets.token_hex(8) if new_keys else KEY
                headers = {"Authorization": basic_auth(key, secrets.token_urlsafe(12))}
                if spread:
                    headers["X-Forwarded-For"] = random_address()
                answer = http.get("/xapi/statements", headers=headers)
                with lock:
                    statuses[answer.status_code] += 1

    def reader() -> None:
        with httpx.Client(base_url=server.base, headers=VERSION, timeout=30) as http:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                answer = http.get("/xapi/statements?limit=1", headers={"Authorization": AUTH})
                good_ms.append((time.perf_counter() - began) * 1000)
                good[answer.status_code] += 1
                time.sleep(0.05)

    with httpx.Client(base_url=server.base, headers=VERSION, timeout=30) as http:
        assert http.get("/xapi/statements", headers={"Authorization": AUTH}).status_code == 200
    monitor = ResourceMonitor(server.process.pid)
    workers = [threading.Thread(target=attacker) for _ in range(threads)]
    workers.append(threading.Thread(target=reader))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    cores = monitor.cores_used()
    total = sum(statuses.values())
    print(f"flood ({name}): {total} wrong secrets in {seconds:g} s by {threads} threads")
    print(f"  answers: {dict(sorted(statuses.items()))}; server cores used {cores:.2f}")
    print(
        f"  signed-in client: {dict(sorted(good.items()))}, "
        f"p50 {percentile(good_ms, 0.5):.1f} ms, p99 {percentile(good_ms, 0.99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=50, help="timing attempts of each kind")
    parser.add_argument("--threads", type=int, default=16, help="attacking threads")
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each flood")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        (directory / "timing").mkdir()
        server = start_server(
            default_store_url(directory / "timing"), directory / "t.log", extra_env=RAISED_LIMITS
        )
        try:
            known, unknown = timing(server.base, args.samples)
        finally:
            server.stop()
        print(
            f"timing ({args.samples} each): wrong secret {known:.1f} ms, "
            f"unknown key {unknown:.1f} ms (median)"
        )
        for number, name in enumerate(FLOODS):
            (directory / str(number)).mkdir()
            store = default_store_url(directory / str(number))
            server = start_server(store, directory / f"{number}.log")
            try:
                flood(server, args.threads, args.seconds, name)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
