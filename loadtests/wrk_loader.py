"""Ingest load from `wrk` (Debian's native HTTP benchmark), the bench's light loader.

A loader written in Python takes about half of this 2-core machine's CPU from the server it
measures; wrk sends the same pre-encoded bodies (`loadtests/bodies.py`, ids made new on each
send by `wrk/post_bodies.lua`) for a fraction of that.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import orjson

from loadtests.bodies import BodyPool
from loadtests.bootstrap import AUTH
from loadtests.generator import ID_MARK

SCRIPT = Path(__file__).with_name("wrk") / "post_bodies.lua"
RESULT_MARK = "WRK-RESULT "


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_ingest(
    port: int, batch: int, concurrency: int, seconds: float, *, threads: int = 2
) -> dict[str, Any]:
    """POST batches of `batch` statements with wrk for `seconds`; wrk's counts and latencies."""
    pool = BodyPool(batch, pool=64 if batch <= 100 else 16)
    with tempfile.TemporaryDirectory(prefix="lrs-wrk-") as tmp:
        bodies = Path(tmp) / "bodies.ndjson"
        bodies.write_bytes(b"\n".join(pool.templates()) + b"\n")
        command = [
            "wrk",
            f"-t{min(threads, concurrency)}",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{port}",
            "--",
            str(bodies),
            ID_MARK,
            AUTH,
            "/xapi/statements",
            f"{random.SystemRandom().getrandbits(24) << 8:08x}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk_result(done.stdout, batch)


def parse_wrk_result(stdout: str, batch: int) -> dict[str, Any]:
    """The bench row (as `bench._summary` makes) from wrk's output and `post_bodies.lua`'s line.

    Requests answered with another status than 2xx or 3xx (wrk's `status` errors) and those
    that failed on the socket count as errors and add no statements. wrk stops with requests
    in flight, unanswered and uncounted, which the server still stores: `statements_stored`
    adds them (the Python loader waits for its last answers instead).
    """
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_MARK)]
    if not lines:
        raise RuntimeError(f"wrk printed no result line:\n{stdout[-2000:]}")
    raw = orjson.loads(lines[-1][len(RESULT_MARK) :])
    elapsed = raw["duration_us"] / 1e6
    failed = raw["errors"] + raw["status_errors"]
    good = raw["requests"] - raw["status_errors"]
    unanswered = max(0, raw.get("sent", raw["requests"]) - raw["requests"])
    return {
        "batch": batch,
        "seconds": round(elapsed, 2),
        "requests": raw["requests"],
        "errors": failed,
        "first_error": f"{failed} failed requests (wrk counts, no bodies)" if failed else "",
        "statements": good * batch,
        "statements_stored": (good + unanswered) * batch,
        "statements_per_s": round(good * batch / elapsed) if elapsed else 0,
        "requests_per_s": round(raw["requests"] / elapsed, 1) if elapsed else 0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
    }
