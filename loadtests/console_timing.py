"""Time the console's pages against a running LRS: sign in, GET each page N times, print the
median and 90th percentile. `--load N` first stores N statements from three credentials.

    python -m loadtests.console_timing --port 8080 --key KEY --secret SECRET [--load 200000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

import httpx

PAGES = (
    "/console/outcomes",
    "/console/outcomes/kpis",
    "/console/statements",
    "/console/ingest",
    "/console/operations",
)
BATCH = 1000


def load(base: str, key: str, secret: str, count: int) -> None:
    """Store `count` statements in batches, from the given credential and two new ones."""
    credentials = [(key, secret)]
    with httpx.Client(base_url=base, auth=(key, secret), timeout=120) as admin:
        for name in ("Moodle", "Docebo"):
            made = admin.post(
                "/admin/credentials", json={"name": name, "scopes": ["statements/write"]}
            )
            made.raise_for_status()
            credentials.append((made.json()["key"], made.json()["secret"]))
    headers = {"X-Experience-API-Version": "2.0.0"}
    for batch in range(count // BATCH):
        batch_auth = credentials[batch % len(credentials)]
        body = [_statement(i) for i in range(BATCH)]
        answer = httpx.post(
            f"{base}/xapi/statements", json=body, auth=batch_auth, headers=headers, timeout=120
        )
        answer.raise_for_status()


def _statement(i: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:l{i % 500}@example.com", "name": f"Learner {i % 500}"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "done"}},
        "object": {
            "id": f"http://example.com/course/{i % 40}",
            "definition": {"name": {"en": f"Course {i % 40}"}},
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--load", type=int, default=0, help="statements to store first")
    parser.add_argument("--requests", type=int, default=30, help="GETs per page")
    args = parser.parse_args()
    base = f"http://{args.host}:{args.port}"
    if args.load:
        load(base, args.key, args.secret, args.load)
    with httpx.Client(base_url=base, timeout=60) as client:
        signed_in = client.post("/console/signin", data={"key": args.key, "secret": args.secret})
        if signed_in.status_code != 303:
            raise SystemExit(f"sign-in failed: {signed_in.status_code}")
        for page in PAGES:
            times = []
            for _ in range(args.requests):
                began = time.perf_counter()
                answer = client.get(page)
                times.append((time.perf_counter() - began) * 1000)
            p90 = statistics.quantiles(times, n=10)[-1]
            print(
                f"{page}: {answer.status_code}, median {statistics.median(times):.1f} ms, "
                f"p90 {p90:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
