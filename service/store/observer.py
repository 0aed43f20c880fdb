"""What a store adapter reports about its writes; metrics implement it, adapters import none."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class WriteObserver(Protocol):
    """Told about every write transaction; called from the writer's thread, so it must be cheap."""

    def transaction_committed(self, jobs: int, seconds: float) -> None:
        """A transaction of `jobs` grouped write requests became durable in `seconds`."""
        ...

    def transaction_failed(self, jobs: int) -> None:
        """A transaction of `jobs` write requests failed as a whole (a store error)."""
        ...


@runtime_checkable
class ObservableStore(Protocol):
    """A store that accepts a write observer before it is opened."""

    write_observer: WriteObserver | None
