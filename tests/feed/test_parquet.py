"""Parquet exports (issue 19): every export and the feed, with typed columns."""

from __future__ import annotations

import io

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import FastAPI

from service.outcomes.export_schema import EXPORTS
from tests.builders import agent, statement
from tests.conftest import client_for

PARQUET = "application/vnd.apache.parquet"


async def test_statements_and_feed_as_typed_parquet(app: FastAPI) -> None:
    posted = [
        statement(actor=agent(f"p{i}"), result={"success": i % 2 == 0, "score": {"scaled": i / 10}})
        for i in range(5)
    ]
    async with client_for(app, "2.0.0") as c:
        assert (await c.post("/xapi/statements", json=posted)).status_code == 200
        for path, name in (
            ("/exports/statements.parquet", "statements"),
            ("/exports/feed.parquet", "feed"),
        ):
            response = await c.get(path, params={"limit": "1000"} if name == "feed" else {})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == PARQUET
            table = pq.read_table(io.BytesIO(response.content))
            assert table.column_names == list(EXPORTS[name][1])
            assert table.schema.field("result_success").type == pa.bool_()
            assert table.schema.field("result_score_scaled").type == pa.float64()
            assert table.schema.field("stored").type == pa.timestamp("ms", tz="UTC")
            rows = table.to_pylist()
            assert {r["id"] for r in rows} == {s["id"] for s in posted}
        feed_json = await c.get("/exports/feed.ndjson")
        first = orjson.loads(feed_json.content.splitlines()[0])
        assert rows[0]["cursor"] == first["cursor"]
        assert (await c.get("/exports/statements.xlsx")).status_code == 404


async def test_an_empty_export_is_a_valid_parquet_file(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as c:
        response = await c.get("/exports/statements.parquet")
    table = pq.read_table(io.BytesIO(response.content))
    assert table.num_rows == 0
    assert table.column_names == list(EXPORTS["statements"][1])
