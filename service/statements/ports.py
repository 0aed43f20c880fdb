"""What the statement services need from the rest of the service, as narrow types."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from service.model.statements import (
    NewStatement,
    StatementPage,
    StatementQuery,
    StatementWrite,
    StoredAttachment,
    StoredStatement,
)


class StatementStore(Protocol):
    """The storage calls the statement services make (the statements part of the port)."""

    def consistent_through_ms(self) -> int: ...

    async def store_statements(self, write: StatementWrite) -> list[str]: ...

    async def get_statement(
        self, tenant: str, statement_id: str, *, voided: bool
    ) -> StoredStatement | None: ...

    async def query_statements(self, tenant: str, query: StatementQuery) -> StatementPage: ...

    async def get_attachments(self, tenant: str, sha2s: list[str]) -> list[StoredAttachment]: ...

    async def get_activity_definitions(
        self, tenant: str, activity_ids: list[str]
    ) -> dict[str, dict[str, Any]]: ...


class OutcomeHandoff(Protocol):
    """Where stored statements go to be evaluated against the tenant's outcome map."""

    def notify(self, tenant: str, statements: Iterable[NewStatement] = ()) -> None: ...
