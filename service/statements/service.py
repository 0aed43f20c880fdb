"""StatementService: the statement services bound to one running service's store and engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

from service.outcomes.listener import StoredStatementsListener
from service.settings import Settings
from service.statements import export, ingest, read
from service.statements.ingest import StatementUpload
from service.statements.read import StatementAnswer, StatementRead
from service.store.ports import StatementStore
from service.tenancy.auth import Principal


class StatementService:
    """What every statement route calls, once per request."""

    __slots__ = ("_outcomes", "_settings", "_store")

    def __init__(
        self, store: StatementStore, outcomes: StoredStatementsListener, settings: Settings
    ) -> None:
        self._store = store
        self._outcomes = outcomes
        self._settings = settings

    async def ingest(self, principal: Principal, upload: StatementUpload) -> list[str]:
        """Store a PUT or POST request's statements; their ids in request order."""
        return await ingest.ingest(self._store, self._outcomes, self._settings, principal, upload)

    async def read(self, principal: Principal, request: StatementRead) -> StatementAnswer:
        """One statement or a page, with the attachment data asked for."""
        return await read.read(self._store, self._settings, principal, request)

    async def export(
        self, principal: Principal, params: dict[str, str]
    ) -> AsyncIterator[list[export.Exported]]:
        """Every statement matching the GET statements filters, page by page: each stored body
        with its `timestamp` as sent when V-12 rewrote it."""
        return await export.export(self._store, principal, params)
