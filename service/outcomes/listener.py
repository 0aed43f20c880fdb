"""Who hears that statements were stored: the outcome engine, or nobody where none runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from service.model.statements import NewStatement


class StoredStatementsListener(Protocol):
    def notify(self, tenant: str, statements: Iterable[NewStatement] = ()) -> None:
        """Statements were stored for the tenant (never blocks)."""
        ...


class NobodyListens:
    """The store keeps no outcome state, so no engine evaluates stored statements."""

    def notify(self, tenant: str, statements: Iterable[NewStatement] = ()) -> None:
        return None


NOBODY = NobodyListens()
