"""`make loadtest`: the locust scenarios, headless for a fixed time, against a server it starts.

    .venv/bin/python -m loadtests.loadtest --users 40 --run-time 60s

Writes locust's CSV stats (loadtests/results/loadtest_*.csv) and a markdown summary
(loadtests/results/loadtest-summary.md), and prints the summary.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

from loadtests.server import default_store_url, start_server

RESULTS = Path("loadtests/results")


def summary(stats_csv: Path, *, users: int, run_time: str, workers: int) -> str:
    """A markdown table of locust's per-request stats."""
    lines = [
        f"# Load test: {users} users for {run_time}, {workers} server worker(s)",
        "",
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with stats_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Type"] else "**total**"
            lines.append(
                f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
                f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} | "
                f"{float(row['Max Response Time']):.0f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    prefix = RESULTS / "loadtest"
    with tempfile.TemporaryDirectory(prefix="lrs-loadtest-") as tmp:
        server = start_server(
            default_store_url(Path(tmp)), Path(tmp) / "server.log", workers=args.workers
        )
        try:
            command = [
                sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--headless",
                "--host", server.base, "--users", str(args.users),
                "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time,
                "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
            ]  # fmt: skip
            subprocess.run(command, check=False, timeout=_seconds(args.run_time) + 120)
        finally:
            server.stop()
    text = summary(
        Path(f"{prefix}_stats.csv"), users=args.users, run_time=args.run_time, workers=args.workers
    )
    (RESULTS / "loadtest-summary.md").write_text(text)
    print(text)


def _seconds(run_time: str) -> int:
    """Seconds of a locust run-time such as 90s, 5m or 1h30m."""
    total, number = 0, ""
    for char in run_time:
        if char.isdigit():
            number += char
        else:
            total += int(number or 0) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
    return total + int(number or 0)


if __name__ == "__main__":
    main()
