"""Large multipart statement responses are sent in pieces, not joined into a second copy of the
attachment data (issue 9); what the client receives is the same (AT-20, SR-60)."""

from __future__ import annotations

import os

import httpx

from service.api.statements import STREAM_ABOVE
from service.xapi.multipart import boundary_of, parse_multipart_mixed
from tests.api.multipart_helpers import attachment_meta, multipart_body, sha256
from tests.builders import statement


async def _post(client: httpx.AsyncClient, data: bytes) -> str:
    stmt = statement(attachments=[attachment_meta(data, "application/octet-stream")])
    body, content_type = multipart_body(stmt, [(data, "application/octet-stream")])
    posted = await client.post(
        "/xapi/statements", content=body, headers={"Content-Type": content_type}
    )
    assert posted.status_code == 200, posted.text
    return str(stmt["id"])


async def test_large_multipart_response_streams_the_same_parts(client: httpx.AsyncClient) -> None:
    data = os.urandom(STREAM_ABOVE + 4096)
    statement_id = await _post(client, data)
    params = {"statementId": statement_id, "attachments": "true"}
    got = await client.get("/xapi/statements", params=params)
    assert got.status_code == 200
    assert "content-length" not in got.headers  # sent in pieces
    parts = parse_multipart_mixed(got.content, boundary_of(got.headers["content-type"]))
    assert [part.headers.get("x-experience-api-hash") for part in parts] == [None, sha256(data)]
    assert parts[1].body == data
    assert parts[0].body.startswith(b"{")
    head = await client.head("/xapi/statements", params=params)
    assert head.status_code == 200
    assert head.content == b""  # T-20


async def test_small_multipart_response_keeps_its_length(client: httpx.AsyncClient) -> None:
    statement_id = await _post(client, b"small attachment")
    params = {"statementId": statement_id, "attachments": "true"}
    got = await client.get("/xapi/statements", params=params)
    assert got.status_code == 200
    assert got.headers["content-length"] == str(len(got.content))
