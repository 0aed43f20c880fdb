"""No reading another statement's attachment by its hash, and no telling whether it exists.

Attachment data is kept once per sha2 and tenant (AT-4). Posting a statement that references
a victim's sha2 by `fileUrl` only, then reading it with `attachments=true`, used to return the
victim's bytes to anyone who could write statements and read their own (issue 14). Data now
goes only with attachments sent without `fileUrl`, whose bytes the request had to carry
(AT-2); `fileUrl` attachments get no part (AT-21).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.multipart_helpers import attachment_meta, multipart_body, sha256
from tests.builders import statement
from tests.tenancy_support import STATEMENTS, client, issue

SECRET_FILE = b"payroll 2026: confidential \x00\xff"
UNKNOWN_FILE = b"a file nobody ever uploaded"


async def _upload(c: httpx.AsyncClient, stmt: dict[str, Any], data: bytes) -> None:
    body, content_type = multipart_body(stmt, [(data, "application/pdf")])
    answer = await c.post(STATEMENTS, content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text


async def _read_with_attachments(c: httpx.AsyncClient, statement_id: str) -> httpx.Response:
    answer = await c.get(STATEMENTS, params={"statementId": statement_id, "attachments": "true"})
    assert answer.status_code == 200, answer.text
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


@pytest.mark.parametrize("reader_scopes", [("statements/read/mine",), ("statements/read",)])
async def test_a_guessed_hash_reads_nothing_and_reveals_nothing(
    app: FastAPI, reader_scopes: tuple[str, ...]
) -> None:
    owner = await issue(app, scopes=("statements/write", "statements/read"), name="hr")
    prober = await issue(app, scopes=("statements/write", *reader_scopes), name="prober")
    victim = statement(attachments=[attachment_meta(SECRET_FILE, "application/pdf")])
    async with client(app, owner) as hr, client(app, prober) as p:
        await _upload(hr, victim, SECRET_FILE)
        probes = {}
        for data in (SECRET_FILE, UNKNOWN_FILE):
            meta = attachment_meta(data, "application/pdf", fileUrl="http://x.example/f")
            probe = statement(attachments=[meta])
            posted = await p.post(STATEMENTS, json=probe)
            assert posted.status_code == 200, posted.text
            probes[data] = (probe, await _read_with_attachments(p, probe["id"]))
        known, unknown = probes[SECRET_FILE], probes[UNKNOWN_FILE]
        assert SECRET_FILE not in known[1].content  # no bytes of the victim's file
        assert known[1].content.count(sha256(SECRET_FILE).encode()) == 1  # JSON only (AT-21)
        assert _shape(known[1], known[0]) == _shape(unknown[1], unknown[0])  # no oracle
        # The owner still gets the file with the statement that carried it (AT-20).
        own = await _read_with_attachments(hr, victim["id"])
        assert SECRET_FILE in own.content
        assert own.content.count(sha256(SECRET_FILE).encode()) == 2


async def test_a_page_sends_the_data_once_for_the_statement_that_carried_it(app: FastAPI) -> None:
    """A page with the carrier and a fileUrl-only statement of the same hash: one part."""
    owner = await issue(app, scopes=("statements/write", "statements/read"), name="hr")
    carrier = statement(attachments=[attachment_meta(SECRET_FILE, "application/pdf")])
    meta = attachment_meta(SECRET_FILE, "application/pdf", fileUrl="http://x.example/f")
    referrer = statement(attachments=[meta])
    async with client(app, owner) as hr:
        await _upload(hr, carrier, SECRET_FILE)
        assert (await hr.post(STATEMENTS, json=referrer)).status_code == 200
        page = await hr.get(STATEMENTS, params={"attachments": "true"})
        assert page.content.count(SECRET_FILE) == 1
        assert page.content.count(b"X-Experience-API-Hash: " + sha256(SECRET_FILE).encode()) == 1
        alone = await _read_with_attachments(hr, referrer["id"])
        assert SECRET_FILE not in alone.content
