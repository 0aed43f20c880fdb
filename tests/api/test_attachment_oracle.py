"""Attachment data goes only with the statements it was sent with (AT-20, AT-21).

Attachment data is kept once per sha2 and tenant (AT-4). Returning the data of every sha2 a
statement names let anyone who could write statements and read their own post a `fileUrl`-only
statement with a victim's sha2 and read the victim's file back, or learn whether it exists.
A statement gets a part for exactly the attachments whose bytes came in the request that
stored it, with or without `fileUrl` (the ADL conformance suite sends both and expects the
part back); a `fileUrl`-only statement gets none, whether or not the tenant holds that hash.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.multipart_helpers import attachment_meta, multipart_body, sha256
from tests.builders import statement, voiding
from tests.tenancy_support import STATEMENTS, Issued, issue
from tests.tenancy_support import client as client_of

SECRET_FILE = b"payroll 2026: confidential \x00\xff"
UNKNOWN_FILE = b"a file nobody ever uploaded"
CONFORMANCE_URL = "http://over.there.com/file.txt"  # the ADL suite's attachment templates
FILE_URL = {"plain": {}, "fileUrl": {"fileUrl": CONFORMANCE_URL}}


def _hash_header(data: bytes) -> bytes:
    return b"X-Experience-API-Hash: " + sha256(data).encode()


async def _upload(c: httpx.AsyncClient, stmt: Any, *data: bytes) -> None:
    body, content_type = multipart_body(stmt, [(d, "application/pdf") for d in data])
    answer = await c.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text


async def _read(c: httpx.AsyncClient, **params: str) -> httpx.Response:
    answer = await c.get(STATEMENTS, params={**params, "attachments": "true"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("multipart/mixed; boundary=")
    return answer


def _shape(answer: httpx.Response, stmt: dict[str, Any]) -> bytes:
    """The response with the boundary, the statement id and hashes blanked: what differs."""
    match = re.search(r"boundary=([A-Za-z0-9_-]+)", answer.headers["content-type"])
    assert match is not None
    body = answer.content.replace(match.group(1).encode(), b"B").replace(stmt["id"].encode(), b"I")
    for data in (SECRET_FILE, UNKNOWN_FILE):
        body = body.replace(sha256(data).encode(), b"H")
    body = re.sub(rb'"length":[0-9]+', b"", body)
    return re.sub(rb'"(stored|timestamp)":"[^"]+"', b"", body)


async def _writer(app: FastAPI, name: str = "lms") -> Issued:
    return await issue(app, scopes=("statements/write", "statements/read"), name=name)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
async def test_file_url_attachment_sent_with_its_bytes_comes_back_at20(
    app: FastAPI, version: str
) -> None:
    """AT-20: `fileUrl` and the bytes in one request (as the ADL conformance suite sends them):
    a single GET and a query both answer the part, each hash exactly twice in the response."""
    registration = str(uuid.uuid4())
    meta = attachment_meta(SECRET_FILE, "application/pdf", fileUrl=CONFORMANCE_URL)
    stmt = statement(attachments=[meta], context={"registration": registration})
    async with client_of(app, await _writer(app), version) as c:
        await _upload(c, stmt, SECRET_FILE)
        for answer in (
            await _read(c, statementId=stmt["id"]),
            await _read(c, registration=registration),
        ):
            assert SECRET_FILE in answer.content
            assert answer.content.count(sha256(SECRET_FILE).encode()) == 2
            assert answer.content.count(_hash_header(SECRET_FILE)) == 1


async def test_a_batch_shares_one_part_between_its_statements_at20(app: FastAPI) -> None:
    """AT-20: one part sent for a `fileUrl` statement and a plain one of the same request;
    each statement read alone gets it, and a page of both sends it once."""
    registration = str(uuid.uuid4())
    context = {"registration": registration}
    linked = statement(
        attachments=[attachment_meta(SECRET_FILE, "application/pdf", fileUrl=CONFORMANCE_URL)],
        context=context,
    )
    plain = statement(
        attachments=[attachment_meta(SECRET_FILE, "application/pdf")], context=context
    )
    async with client_of(app, await _writer(app)) as c:
        await _upload(c, [linked, plain], SECRET_FILE)
        for stmt in (linked, plain):
            alone = await _read(c, statementId=stmt["id"])
            assert alone.content.count(_hash_header(SECRET_FILE)) == 1
        page = await _read(c, registration=registration)
        assert page.content.count(_hash_header(SECRET_FILE)) == 1
        assert page.content.count(SECRET_FILE) == 1


@pytest.mark.parametrize("victim_style", sorted(FILE_URL))
@pytest.mark.parametrize("reader_scopes", [("statements/read/mine",), ("statements/read",)])
async def test_a_guessed_hash_reads_nothing_and_reveals_nothing(
    app: FastAPI, reader_scopes: tuple[str, ...], victim_style: str
) -> None:
    """AT-21: a `fileUrl`-only statement naming the victim's hash gets no part, and its answer
    has the same shape as for a hash nobody uploaded, however the victim sent the file."""
    owner = await _writer(app, "hr")
    prober = await issue(app, scopes=("statements/write", *reader_scopes), name="prober")
    victim_meta = attachment_meta(SECRET_FILE, "application/pdf", **FILE_URL[victim_style])
    victim = statement(attachments=[victim_meta])
    async with client_of(app, owner) as hr, client_of(app, prober) as p:
        await _upload(hr, victim, SECRET_FILE)
        probes = {}
        for data in (SECRET_FILE, UNKNOWN_FILE):
            meta = attachment_meta(data, "application/pdf", fileUrl="http://x.example/f")
            probe = statement(attachments=[meta])
            posted = await p.post(STATEMENTS, json=probe)
            assert posted.status_code == 200, posted.text
            probes[data] = (probe, await _read(p, statementId=probe["id"]))
        known, unknown = probes[SECRET_FILE], probes[UNKNOWN_FILE]
        assert SECRET_FILE not in known[1].content  # no bytes of the victim's file
        assert known[1].content.count(sha256(SECRET_FILE).encode()) == 1  # JSON only (AT-21)
        assert _shape(known[1], known[0]) == _shape(unknown[1], unknown[0])  # no oracle
        if reader_scopes == ("statements/read/mine",):  # its page holds only its probes
            assert SECRET_FILE not in (await _read(p)).content
        # The owner still gets the file with the statement that carried it (AT-20).
        own = await _read(hr, statementId=victim["id"])
        assert SECRET_FILE in own.content
        assert own.content.count(sha256(SECRET_FILE).encode()) == 2


async def test_a_page_sends_the_data_once_for_the_statement_that_carried_it(app: FastAPI) -> None:
    """A page with the carrier and a fileUrl-only statement of the same hash: one part."""
    carrier = statement(attachments=[attachment_meta(SECRET_FILE, "application/pdf")])
    meta = attachment_meta(SECRET_FILE, "application/pdf", fileUrl="http://x.example/f")
    referrer = statement(attachments=[meta])
    async with client_of(app, await _writer(app, "hr")) as hr:
        await _upload(hr, carrier, SECRET_FILE)
        assert (await hr.post(STATEMENTS, json=referrer)).status_code == 200
        page = await _read(hr)
        assert page.content.count(SECRET_FILE) == 1
        assert page.content.count(_hash_header(SECRET_FILE)) == 1
        alone = await _read(hr, statementId=referrer["id"])
        assert SECRET_FILE not in alone.content


async def test_an_equivalent_repost_with_the_bytes_changes_nothing(app: FastAPI) -> None:
    """SR-4: posting a stored `fileUrl`-only statement again with the bytes is a no-op; the
    statement was not stored by that request, so it still has no part."""
    meta = attachment_meta(SECRET_FILE, "application/pdf", fileUrl=CONFORMANCE_URL)
    stmt = statement(attachments=[meta])
    async with client_of(app, await _writer(app)) as c:
        assert (await c.post(STATEMENTS, json=stmt)).status_code == 200
        await _upload(c, stmt, SECRET_FILE)
        assert SECRET_FILE not in (await _read(c, statementId=stmt["id"])).content


async def test_voided_statements_and_more_pages_keep_their_parts(app: FastAPI) -> None:
    """SR-31, SR-45, AT-20: a voided statement read by voidedStatementId and a statement on a
    `more` page get the data that was sent with them, and only that."""
    registration = str(uuid.uuid4())
    context = {"registration": registration}
    linked = attachment_meta(SECRET_FILE, "application/pdf", fileUrl=CONFORMANCE_URL)
    carrier = statement(attachments=[linked], context=context)
    pointer = statement(
        attachments=[attachment_meta(UNKNOWN_FILE, "text/plain", fileUrl=CONFORMANCE_URL)],
        context=context,
    )
    doomed = statement(attachments=[linked])
    async with client_of(app, await _writer(app)) as c:
        await _upload(c, carrier, SECRET_FILE)
        await _upload(c, doomed, SECRET_FILE)
        assert (await c.post(STATEMENTS, json=pointer)).status_code == 200
        assert (await c.post(STATEMENTS, json=voiding(doomed["id"]))).status_code == 200
        voided = await _read(c, voidedStatementId=doomed["id"])
        assert voided.content.count(_hash_header(SECRET_FILE)) == 1
        first = await _read(c, registration=registration, limit="1")
        assert pointer["id"].encode() in first.content  # newest first
        assert _hash_header(SECRET_FILE) not in first.content
        more = re.search(rb'"more":"([^"]+)"', first.content)
        assert more is not None
        second = await c.get(more.group(1).decode())  # the token keeps attachments=true
        assert second.status_code == 200, second.text
        assert second.headers["content-type"].startswith("multipart/mixed; boundary=")
        assert carrier["id"].encode() in second.content
        assert second.content.count(sha256(SECRET_FILE).encode()) == 2
