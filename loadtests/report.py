"""Render bench results as plain-text / markdown tables: one per store size, then the curves."""

from __future__ import annotations

from typing import Any

THREAD_ROLES = (
    ("event_loop", "event loop"),
    ("busiest_other", "busiest other thread (the writer, picked by CPU)"),
    ("rest", "other threads"),
    ("other_processes", "other processes (a writer process)"),
)


def _threads(row: dict[str, Any]) -> dict[str, int]:
    split: dict[str, int] = row.get("server_threads_us_per_statement", {})
    return {role: split.get(role, 0) for role, _ in THREAD_ROLES}


def ingest_line(row: dict[str, Any]) -> str:
    threads = _threads(row)
    return (
        f"{row['loader']:>6} batch {row['batch']:>4} on {row.get('connections', '?')} connections: "
        f"{row['statements_per_s']:>8,} statements/s "
        f"{row['requests_per_s']:>8,.1f} req/s  p50 {row['p50_ms']:.1f} ms  "
        f"p95 {row['p95_ms']:.1f} ms  p99 {row['p99_ms']:.1f} ms  "
        f"server {row['server_cores']:.2f} cores "
        f"({row['server_cpu_us_per_statement']} us CPU/statement: event loop "
        f"{threads['event_loop']}, busiest other thread {threads['busiest_other']}, "
        f"rest {threads['rest']}, other processes {threads['other_processes']})  "
        f"errors {row['errors']}"
    )


def _size(count: int) -> str:
    """1000000 -> 1M, 2500 -> 2.5k: store sizes as column headings."""
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if count >= unit:
            return f"{count / unit:.3g}{name}"
    return str(count)


def _heading(point: dict[str, Any]) -> str:
    """A store size as a column heading, with what was stored when it was measured if more.

    The bench's own ingest at one size adds statements before the next, so a small size can
    be passed before it is reached.
    """
    size, stored = point["store_size"], point["stored_at_start"]
    heading = f"{_size(size)} stored"
    return heading if stored <= size * 1.1 else f"{heading} ({_size(stored)} at start)"


def _ingest_table(point: dict[str, Any]) -> list[str]:
    roles = " | ".join(f"{label} us/st" for _, label in THREAD_ROLES)
    lines = [
        f"\n### {point['store_size']:,} stored ({point['stored_at_start']:,} at start)",
        "",
        "| loader | batch | connections | statements/s | requests/s | p50 ms | p95 ms | p99 ms "
        "| server cores "
        f"| server CPU us/statement | {roles} | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        + "---:|" * len(THREAD_ROLES)
        + "---:|",
    ]
    for row in point["ingest"]:
        threads = " | ".join(str(value) for value in _threads(row).values())
        lines.append(
            f"| {row['loader']} | {row['batch']} | {row.get('connections', '')} | "
            f"{row['statements_per_s']:,} | "
            f"{row['requests_per_s']:,} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | "
            f"{row['server_cores']} | {row['server_cpu_us_per_statement']} | {threads} | "
            f"{row['errors']} |"
        )
    lines += [
        "",
        "| GET shape | statements/page | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in point["queries"].items():
        lines.append(
            f"| {name} | {row['mean_statements']} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {row['errors']} |"
        )
    lines.append(f"\nserver peak RSS: {point['server_peak_rss_mb']} MB")
    return lines


def curve(points: list[dict[str, Any]], loader: str) -> list[str]:
    """Rows: batch sizes; columns: store sizes; cells: statements/s, p99 and CPU per statement."""
    sizes = [point["store_size"] for point in points]
    headings = " | ".join(_heading(point) for point in points)
    cells: dict[int, dict[int, str]] = {}
    for point in points:
        for row in point["ingest"]:
            if row["loader"] == loader:
                cells.setdefault(row["batch"], {})[point["store_size"]] = (
                    f"{row['statements_per_s']:,}/s, p99 {row['p99_ms']:g} ms, "
                    f"{row['server_cpu_us_per_statement']} us"
                )
    if not cells:
        return []
    lines = [
        f"\ningest with {loader} (statements/s, p99, server CPU us per statement) "
        "against store size:",
        "",
        f"| batch | {headings} |",
        "|---:|" + "---:|" * len(sizes),
    ]
    for batch, by_size in cells.items():
        lines.append(f"| {batch} | " + " | ".join(by_size.get(size, "-") for size in sizes) + " |")
    return lines


def query_curve(points: list[dict[str, Any]]) -> list[str]:
    """Rows: GET shapes; columns: store sizes; cells: p95 ms."""
    headings = " | ".join(_heading(point) for point in points)
    shapes = list(dict.fromkeys(name for point in points for name in point["queries"]))
    lines = [
        "\nGET p95 ms against store size:",
        "",
        f"| GET shape | {headings} |",
        "|---|" + "---:|" * len(points),
    ]
    for shape in shapes:
        values = [
            f"{point['queries'][shape]['p95_ms']:g}" if shape in point["queries"] else "-"
            for point in points
        ]
        lines.append(f"| {shape} | " + " | ".join(values) + " |")
    return lines


def table(result: dict[str, Any]) -> str:
    """Markdown tables: each store size's ingest and GET latency, the curves, the ceiling."""
    config = result["config"]
    load = result["machine"].get("load_average_at_start", (0, 0, 0))
    points = result.get("sizes", [])
    sizes = ", ".join(f"{size:,}" for size in config["store_sizes"])
    loaders = ", ".join(config["loaders"])
    lines = [
        f"\nmachine: {result['machine']['cpus']} CPUs, load average {load[0]:.2f} at start "
        "(anything above ~1 means other processes shared the cores)",
        f"\nstore {config['store']}, store sizes {sizes}, "
        f"concurrency {config['concurrency']} (at most "
        f"{config.get('max_statements_in_flight', 0):,} statements in flight), "
        f"server workers {config['workers']}, "
        f"loaders {loaders} (Python loader processes {config['client_procs']})",
        "server CPU per thread role, in the processes holding the listening socket: event "
        "loop = each one's main thread; busiest other thread = per process the non-main thread "
        "with the most CPU (Python 3.11 threads have no OS names; while ingesting it is the "
        "SQLite writer thread); other threads = checkpointer, readers and the rest; other "
        "processes = those the server started (LRS_STATEMENT_WRITER=process's writer)",
    ]
    for filled in result.get("preload", []):
        lines.append(
            f"preloaded {filled['statements']:,} statements to {filled['to']:,} in "
            f"{filled['seconds']:,} s ({filled['per_s']:,}/s)"
        )
    for point in points:
        lines += _ingest_table(point)
    if points:
        for loader in config["loaders"]:
            lines += curve(points, loader)
        lines += query_curve(points)
    ceiling = result.get("loader_ceiling")
    if ceiling:
        lines.append(
            "\nloader ceiling (do-nothing server): "
            + ", ".join(
                f"{r['loader']} batch {r['batch']}: {r['requests_per_s']:,} req/s"
                f" = {r['statements_per_s']:,} statements/s"
                for r in ceiling
            )
        )
    return "\n".join(lines)
