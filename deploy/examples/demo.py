"""`make demo`: load the sales-onboarding example, generated from a stated model (see
planted.py), into a running LRS and print the impact estimates next to the planted truth.

Uses LRS_PORT (default 8080) and LRS_BOOTSTRAP_KEY / LRS_BOOTSTRAP_SECRET, as `make run` does;
everything goes through the HTTP API, as any client would. DEMO_SEED picks another world.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from deploy.examples.planted import EFFECT, MONTHS, NEVER, UNITS, generate, uploads

HERE = Path(__file__).parent
TRUTH = {"revenue-per-rep": EFFECT, "office-coffee": 0.0}
BATCH = 500


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        sys.exit(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text}"
        )
    return response


def load(lrs: httpx.Client, seed: int) -> str:
    """Put the map, roster, KPIs and statements; wait for evaluation; a one-line account."""
    yaml_map = (HERE / "sales-onboarding.yaml").read_bytes()
    version = _check(
        lrs.put("/outcomes/map", content=yaml_map, headers={"Content-Type": "application/yaml"})
    ).json()["version"]
    roster, statements, kpis = uploads(generate(np.random.default_rng(seed)), passes=3)
    _check(lrs.put("/outcomes/roster", json=roster))
    _check(lrs.put("/outcomes/kpis", json=kpis))
    for start in range(0, len(statements), BATCH):
        _check(
            lrs.post(
                "/xapi/statements",
                json=statements[start : start + BATCH],
                headers={"X-Experience-API-Version": "2.0.0"},
            )
        )
    deadline = time.monotonic() + 120
    while True:
        progress = _check(lrs.get("/outcomes/map/evaluation")).json()["versions"]
        if progress and all(
            v["status"] == "current" and not v["pending_statements"] for v in progress
        ):
            break
        if time.monotonic() > deadline:
            sys.exit(f"evaluation did not finish: {progress}")
        time.sleep(0.2)
    return (
        f"map version {version}, {len(roster)} people, {len(kpis)} KPI values, "
        f"{len(statements)} statements"
    )


def report(lrs: httpx.Client) -> list[str]:
    """The lines the demo prints: each KPI's estimate beside the truth, and the plain r."""
    table = _check(lrs.get("/outcomes/kpi-table")).json()
    lines = [
        "",
        f"{'KPI':<17} {'planted':>8} {'estimate':>9} {'95 % interval':>19} {'plain r (95 %)':>22}",
    ]
    for kpi, truth in TRUTH.items():
        found: dict[str, Any] = _check(
            lrs.get("/outcomes/impact", params={"outcome": "product-knowledge", "kpi": kpi})
        ).json()
        link = next(c for c in table["correlations"] if c["kpi"] == kpi)
        r = f"{link['pearson_r']:+.2f} ({link['r_ci_low']:+.2f}..{link['r_ci_high']:+.2f})"
        interval = f"{found['ci_low']:+.2f} .. {found['ci_high']:+.2f}"
        lines.append(f"{kpi:<17} {truth:>+8.2f} {found['estimate']:>+9.2f} {interval:>19} {r:>22}")
        lines.append(f"  {found['summary']}")
        check = found["pre_trend_check"]
        if check["passed"] is not None:
            verdict = "passed" if check["passed"] else "FAILED"
            lines.append(
                f"  pre-period check {verdict}: lead {check['estimate']:+.2f} "
                f"({check['ci_low']:+.2f} .. {check['ci_high']:+.2f})"
            )
        for row in found["suppressed"]:
            lines.append(f"  left out: {row['org_unit']}: {row['reason']}")
    lines += [
        "",
        f"method: {found['method']['name']}; {found['method']['interval']}",
        f"units {found['n_units']}, periods {found['n_periods']}, "
        f"observations {found['n_observations']}",
        "caveats:",
        *(f"  - {caveat}" for caveat in found["caveats"]),
    ]
    return lines


def main() -> int:
    key, secret = os.environ.get("LRS_BOOTSTRAP_KEY"), os.environ.get("LRS_BOOTSTRAP_SECRET")
    if not key or not secret:
        print("set LRS_BOOTSTRAP_KEY and LRS_BOOTSTRAP_SECRET as for `make run`", file=sys.stderr)
        return 2
    base = f"http://{os.environ.get('LRS_HOST', '127.0.0.1')}:{os.environ.get('LRS_PORT', '8080')}"
    seed = int(os.environ.get("DEMO_SEED", "7"))
    print(
        f"planted model (seed {seed}): {UNITS} sales units over {MONTHS} months, {NEVER} never "
        f"start the programme; revenue per rep = unit level + common trend "
        f"+ {EFFECT:g} kEUR x attainment rate + noise; office coffee = unit level + common "
        "trend + noise (a placebo: no effect)"
    )
    with httpx.Client(base_url=base, auth=(key, secret), timeout=60) as lrs:
        print(load(lrs, seed))
        for line in report(lrs):
            print(line)
    print(f"\nexports for BI tools: {base}/exports/outcome-kpis.csv, {base}/exports/rates.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
