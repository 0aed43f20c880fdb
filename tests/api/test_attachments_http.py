"""Attachments and signed statements through HTTP (AT-1..AT-21, T-6)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.api.multipart_helpers import (
    SIGNATURE,
    attachment_meta,
    multipart_body,
    sha256,
    sign,
)
from tests.builders import statement

pytestmark = pytest.mark.asyncio
DATA = b"hello attachment \x00\x01\xff"


async def send(
    client: httpx.AsyncClient, statements: Any, parts: list[tuple[bytes, str]], **kw: Any
) -> httpx.Response:
    body, content_type = multipart_body(statements, parts, **kw)
    return await client.post(
        "/xapi/statements", content=body, headers={"Content-Type": content_type}
    )


async def test_at2_multipart_statement_with_attachment_round_trips(
    client: httpx.AsyncClient,
) -> None:
    """AT-2, AT-20, SR-60: raw data stored and returned in a multipart response."""
    stmt = statement(attachments=[attachment_meta(DATA)])
    response = await send(client, stmt, [(DATA, "text/plain")])
    assert response.status_code == 200, response.text
    plain = await client.get("/xapi/statements", params={"statementId": stmt["id"]})
    assert plain.headers["content-type"].startswith("application/json")
    got = await client.get(
        "/xapi/statements", params={"statementId": stmt["id"], "attachments": "true"}
    )
    assert got.status_code == 200
    content_type = got.headers["content-type"]
    match = re.fullmatch(r"multipart/mixed; boundary=([A-Za-z0-9_-]+)", content_type)
    assert match is not None
    assert got.content.count(sha256(DATA).encode()) == 2
    assert DATA in got.content
    assert got.content.startswith(b"--" + match.group(1).encode() + b"\r\n")


async def test_at20_query_with_attachments(client: httpx.AsyncClient) -> None:
    """AT-20: a StatementResult with attachments=true is multipart with each data part once."""
    first = statement(attachments=[attachment_meta(DATA)])
    second = statement(attachments=[attachment_meta(DATA)])
    response = await send(client, [first, second], [(DATA, "text/plain")])
    assert response.status_code == 200, response.text
    got = await client.get(
        "/xapi/statements",
        params={"verb": first["verb"]["id"], "attachments": "true", "limit": "2"},
    )
    assert got.status_code == 200
    assert got.content.count(b"X-Experience-API-Hash: " + sha256(DATA).encode()) == 1


async def test_at1_json_attachment_without_file_url_rejected(client: httpx.AsyncClient) -> None:
    """AT-1: plain JSON may only carry attachments with fileUrl."""
    bad = statement(attachments=[attachment_meta(DATA)])
    assert (await client.post("/xapi/statements", json=bad)).status_code == 400
    good = statement(attachments=[attachment_meta(DATA, fileUrl="http://example.org/f.txt")])
    assert (await client.post("/xapi/statements", json=good)).status_code == 200


async def test_t6_multipart_without_attachment_parts(client: httpx.AsyncClient) -> None:
    """T-6, X-13: multipart with only the JSON part is accepted."""
    response = await send(client, statement(), [])
    assert response.status_code == 200


async def test_at2_missing_part_rejected(client: httpx.AsyncClient) -> None:
    """AT-2: an attachment without fileUrl needs its part."""
    stmt = statement(attachments=[attachment_meta(DATA)])
    response = await send(client, stmt, [])
    assert response.status_code == 400
    assert (
        await client.get("/xapi/statements", params={"statementId": stmt["id"]})
    ).status_code == 404


async def test_at2_extra_part_rejected(client: httpx.AsyncClient) -> None:
    """AT-2: a part no attachment refers to → 400."""
    response = await send(client, statement(), [(DATA, "text/plain")])
    assert response.status_code == 400


async def test_at2_non_binary_transfer_encoding_rejected(client: httpx.AsyncClient) -> None:
    """AT-2, CS-17: Content-Transfer-Encoding other than binary → 400."""
    stmt = statement(attachments=[attachment_meta(DATA)])
    response = await send(client, stmt, [(DATA, "text/plain")], encoding="base64")
    assert response.status_code == 400


async def test_at2_missing_boundary_rejected(client: httpx.AsyncClient) -> None:
    """AT-2: multipart/mixed without a boundary → 400."""
    response = await client.post(
        "/xapi/statements",
        content=b"--x\r\n\r\n{}\r\n--x--",
        headers={"Content-Type": "multipart/mixed"},
    )
    assert response.status_code == 400


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signed(
    stmt: dict[str, Any], jws: bytes, content_type: str = "application/octet-stream"
) -> dict[str, Any]:
    meta = attachment_meta(jws, content_type, usageType=SIGNATURE)
    return {**stmt, "attachments": [meta]}


async def test_at13_valid_signed_statement_accepted(
    client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    """AT-13, AT-16, AT-17: a compact RS256 JWS of an equivalent statement is accepted."""
    stmt = statement()
    jws = sign(stmt, private_key)
    response = await send(client, signed(stmt, jws), [(jws, "application/octet-stream")])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("alg", ["HS256", "none"])
async def test_at14_bad_algorithm_rejected(
    client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey, alg: str
) -> None:
    """AT-14: alg outside RS256/384/512 → 400."""
    stmt = statement()
    jws = sign(stmt, private_key, alg=alg)
    response = await send(client, signed(stmt, jws), [(jws, "application/octet-stream")])
    assert response.status_code == 400


async def test_at16_payload_must_match_statement(
    client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    """AT-16: a signature over different content → 400."""
    stmt = statement()
    other = {**stmt, "verb": {"id": "http://example.org/verbs/other"}}
    jws = sign(other, private_key)
    response = await send(client, signed(stmt, jws), [(jws, "application/octet-stream")])
    assert response.status_code == 400
    assert response.json()["message"]


async def test_at11_signature_content_type(
    client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    """AT-11: a signature attachment must be application/octet-stream."""
    stmt = statement()
    jws = sign(stmt, private_key)
    response = await send(client, signed(stmt, jws, "text/plain"), [(jws, "text/plain")])
    assert response.status_code == 400


async def test_at15_corrupt_payload_rejected(
    client: httpx.AsyncClient, private_key: rsa.RSAPrivateKey
) -> None:
    """AT-13, AT-15: a JWS that is not three base64url segments of JSON → 400."""
    stmt = statement()
    jws = b"not-a-jws"
    response = await send(client, signed(stmt, jws), [(jws, "application/octet-stream")])
    assert response.status_code == 400
