"""Render bench results as plain-text / markdown tables."""

from __future__ import annotations

from typing import Any


def ingest_line(row: dict[str, Any]) -> str:
    return (
        f"batch {row['batch']:>3}: {row['statements_per_s']:>8,} statements/s "
        f"{row['requests_per_s']:>8,.1f} req/s  p50 {row['p50_ms']:.1f} ms  "
        f"p95 {row['p95_ms']:.1f} ms  p99 {row['p99_ms']:.1f} ms  "
        f"server {row['server_cores']:.2f} cores "
        f"({row['server_cpu_us_per_statement']} us CPU/statement)  errors {row['errors']}"
    )


def table(result: dict[str, Any]) -> str:
    """Markdown tables of ingest, query latency and the loader's ceiling."""
    config = result["config"]
    load = result["machine"].get("load_average_at_start", (0, 0, 0))
    lines = [
        f"\nmachine: {result['machine']['cpus']} CPUs, load average {load[0]:.2f} at start "
        "(anything above ~1 means other processes shared the cores)",
        f"\nstore {config['store']}, preloaded {config['preload']:,}, "
        f"concurrency {config['concurrency']}, server workers {config['workers']}, "
        f"loader processes {config['client_procs']}",
        "",
        "| batch | statements/s | requests/s | p50 ms | p95 ms | p99 ms | server cores "
        "| server CPU us/statement | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result.get("ingest", []):
        lines.append(
            f"| {row['batch']} | {row['statements_per_s']:,} | {row['requests_per_s']:,} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['server_cores']} | "
            f"{row['server_cpu_us_per_statement']} | {row['errors']} |"
        )
    lines += [
        "",
        "| GET shape | statements/page | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in result.get("queries", {}).items():
        lines.append(
            f"| {name} | {row['mean_statements']} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {row['errors']} |"
        )
    lines.append(f"\nserver peak RSS: {result.get('server_peak_rss_mb', 0)} MB")
    ceiling = result.get("loader_ceiling")
    if ceiling:
        lines.append(
            "loader ceiling (do-nothing server): "
            + ", ".join(
                f"batch {r['batch']}: {r['requests_per_s']:,} req/s"
                f" = {r['statements_per_s']:,} statements/s"
                for r in ceiling
            )
        )
    return "\n".join(lines)
