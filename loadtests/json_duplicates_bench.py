"""What rejecting duplicate JSON member names costs per 100-statement batch (V-1).

`python -m loadtests.json_duplicates_bench` times, on batches from the load generator, the
orjson parse every POST does, the colon-count check the service adds, and the obvious
alternative (the standard library parser with an `object_pairs_hook`).
"""

from __future__ import annotations

import json
import statistics
import timeit
from typing import Any

import orjson

from loadtests.generator import StatementGenerator
from service.xapi.json_keys import has_duplicate_keys

BATCHES = 50
REPEAT = 20


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member name")
    return dict(pairs)


def main() -> None:
    generator = StatementGenerator(seed=7)
    batches = [[generator.statement() for _ in range(100)] for _ in range(BATCHES)]
    for name, dump in (("compact (orjson)", orjson.dumps), ("indented", _indented)):
        _measure(name, [dump(batch) for batch in batches])


def _indented(value: Any) -> bytes:
    return json.dumps(value, indent=2).encode()


def _measure(name: str, bodies: list[bytes]) -> None:
    parsed = [orjson.loads(b) for b in bodies]

    def per_batch(run: Any) -> float:
        times = timeit.repeat(run, number=1, repeat=REPEAT)
        return statistics.median(times) / BATCHES * 1e6

    parse = per_batch(lambda: [orjson.loads(b) for b in bodies])
    check = per_batch(
        lambda: [has_duplicate_keys(b, p) for b, p in zip(bodies, parsed, strict=True)]
    )
    hook = per_batch(lambda: [json.loads(b, object_pairs_hook=_no_duplicates) for b in bodies])
    size = statistics.mean(len(b) for b in bodies) / 1024
    runs = f"median of {REPEAT} runs over {BATCHES} batches"
    print(f"{name} 100-statement batch, {size:.0f} KiB ({runs})")
    print(f"orjson parse:                     {parse:8.0f} us")
    print(f"colon-count duplicate check:      {check:8.0f} us ({check / parse:.0%} of the parse)")
    print(f"json.loads + object_pairs_hook:   {hook:8.0f} us ({hook / parse:.0%} of the parse)")


if __name__ == "__main__":
    main()
