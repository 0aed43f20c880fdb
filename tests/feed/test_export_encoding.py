"""Exports gzipped in transfer when the client accepts it, and streamed (issue 19)."""

from __future__ import annotations

import gzip

from fastapi import FastAPI

from service.api.response_encoding import accepts_gzip
from tests.builders import agent, statement
from tests.conftest import client_for


def test_accept_encoding_is_read_with_its_qualities() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("br;q=1.0, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("identity")
    assert not accepts_gzip(None)
    assert not accepts_gzip("gzip;q=nope")


async def test_csv_and_feed_are_gzipped_when_accepted(app: FastAPI) -> None:
    posted = [statement(actor=agent(f"z{i}")) for i in range(300)]
    async with client_for(app, "2.0.0") as c:
        assert (await c.post("/xapi/statements", json=posted)).status_code == 200
        for path in ("/exports/statements.csv", "/exports/feed.ndjson"):
            plain = await c.get(path, headers={"Accept-Encoding": "identity"})
            assert "content-encoding" not in plain.headers
            assert plain.headers["vary"] == "Accept-Encoding"
            async with c.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as answer:
                assert answer.headers["content-encoding"] == "gzip"
                raw = b"".join([part async for part in answer.aiter_raw()])
            assert gzip.decompress(raw) == plain.content
            assert len(raw) * 4 < len(plain.content)
        parquet = await c.get("/exports/statements.parquet", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in parquet.headers  # compressed inside already
