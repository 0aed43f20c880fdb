"""`make demo`: load the sales-onboarding example into a running LRS and print outcome x KPI.

Uses LRS_PORT (default 8080) and LRS_BOOTSTRAP_KEY / LRS_BOOTSTRAP_SECRET, as `make run` does;
everything goes through the HTTP API, as any client would.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx

from deploy.examples.statements import generate

HERE = Path(__file__).parent


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        sys.exit(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text}"
        )
    return response


def main() -> int:
    key, secret = os.environ.get("LRS_BOOTSTRAP_KEY"), os.environ.get("LRS_BOOTSTRAP_SECRET")
    if not key or not secret:
        print("set LRS_BOOTSTRAP_KEY and LRS_BOOTSTRAP_SECRET as for `make run`", file=sys.stderr)
        return 2
    base = f"http://{os.environ.get('LRS_HOST', '127.0.0.1')}:{os.environ.get('LRS_PORT', '8080')}"
    with httpx.Client(base_url=base, auth=(key, secret), timeout=60) as lrs:
        yaml_map = (HERE / "sales-onboarding.yaml").read_bytes()
        version = _check(
            lrs.put("/outcomes/map", content=yaml_map, headers={"Content-Type": "application/yaml"})
        ).json()["version"]
        csv_type = {"Content-Type": "text/csv"}
        roster = _check(
            lrs.put(
                "/outcomes/roster", content=(HERE / "roster.csv").read_bytes(), headers=csv_type
            )
        ).json()
        kpis = _check(
            lrs.put("/outcomes/kpis", content=(HERE / "kpis.csv").read_bytes(), headers=csv_type)
        ).json()
        statements = generate()
        _check(
            lrs.post(
                "/xapi/statements", json=statements, headers={"X-Experience-API-Version": "2.0.0"}
            )
        )
        print(
            f"map version {version}, {roster['imported']} roster entries, "
            f"{kpis['imported']} KPI observations, {len(statements)} statements"
        )
        deadline = time.monotonic() + 60
        while True:
            progress = _check(lrs.get("/outcomes/map/evaluation")).json()["versions"]
            if progress and all(
                v["status"] == "current" and not v["pending_statements"] for v in progress
            ):
                break
            if time.monotonic() > deadline:
                sys.exit(f"evaluation did not finish: {progress}")
            time.sleep(0.2)
        table = _check(lrs.get("/outcomes/kpi-table")).json()
    print(f"\n{'outcome':<18} {'kpi':<16} {'org unit':<14} {'period':<8} {'rate':>6} {'kpi':>8}")
    for row in table["rows"]:
        rate = "-" if row["attainment_rate"] is None else f"{row['attainment_rate']:.0%}"
        print(
            f"{row['outcome']:<18} {row['kpi']:<16} {row['org_unit']:<14} {row['period']:<8} "
            f"{rate:>6} {row['kpi_value']:>8.1f}"
        )
    print("\ncorrelation of attainment rate and KPI across org units and periods:")
    for link in table["correlations"]:
        r = "n/a" if link["pearson_r"] is None else f"{link['pearson_r']:+.2f}"
        print(f"  {link['outcome']} x {link['kpi']}: r = {r} over {link['n']} cells")
    print(f"\nexports for BI tools: {base}/exports/outcome-kpis.csv, {base}/exports/statements.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
