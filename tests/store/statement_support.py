"""Helpers of the statement contract suites: prepared statements in, ids out."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from service.model.statements import NewStatement, StatementQuery, StatementWrite, StoredAttachment
from service.store.ports import Store
from service.xapi.preparation import prepare_statement

AUTHORITY = {"objectType": "Agent", "mbox": "mailto:authority@example.org"}


def prep(statement: dict[str, Any], authority: dict[str, Any] | None = None) -> NewStatement:
    """A statement as the API hands it to the store (validated, prepared, indexed)."""
    return prepare_statement(
        orjson.loads(orjson.dumps(statement)),
        version="2.0.0",
        authority=dict(authority or AUTHORITY),
    )


async def put(
    store: Store,
    *statements: dict[str, Any],
    tenant: str = "t1",
    attachments: list[StoredAttachment] | None = None,
    authority: dict[str, Any] | None = None,
) -> list[str]:
    """Store one batch; a short pause keeps `stored` of consecutive batches apart."""
    ids = await store.statements.store_statements(
        StatementWrite(tenant, [prep(s, authority) for s in statements], attachments or [])
    )
    await asyncio.sleep(0.003)
    return ids


async def query_ids(store: Store, tenant: str = "t1", **filters: Any) -> list[str]:
    """Ids of the first page of a query, in result order."""
    page = await store.statements.query_statements(tenant, StatementQuery(**filters))
    return [orjson.loads(body)["id"] for body in page.bodies]


async def body_of(store: Store, statement_id: str, *, voided: bool = False) -> dict[str, Any]:
    found = await store.statements.get_statement("t1", statement_id, voided=voided)
    assert found is not None, f"{statement_id} (voided={voided}) not found"
    body: dict[str, Any] = orjson.loads(found.body)
    return body
