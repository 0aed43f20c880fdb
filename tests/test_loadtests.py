"""The load-test generator and request bodies produce valid, ever-new statements."""

from __future__ import annotations

import orjson

from loadtests.bodies import BodyPool
from loadtests.generator import StatementGenerator
from loadtests.rawhttp import percentile
from service.xapi.validation import validate_statements


def test_generator_is_seeded_valid_and_realistically_sized() -> None:
    first = StatementGenerator(seed=3).batch(400)
    assert first == StatementGenerator(seed=3).batch(400)
    validate_statements(first, "1.0.3")
    validate_statements(orjson.loads(orjson.dumps(first)), "2.0.0")
    sizes = sorted(len(orjson.dumps(s)) for s in first)
    assert 800 <= sizes[len(sizes) // 2] <= 2000
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in first}
    assert {"voided", "commented", "completed", "answered", "terminated"} <= verbs
    assert any("attachments" in s for s in first)


def test_body_pool_sends_new_ids_every_round() -> None:
    pool = BodyPool(5, pool=2)
    first, again = orjson.loads(pool.body(0)), orjson.loads(pool.body(2))
    assert [s["id"][8:] for s in first] == [s["id"][8:] for s in again]
    assert {s["id"] for s in first}.isdisjoint({s["id"] for s in again})


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([float(n) for n in range(1, 101)], 0.99) == 99.0
