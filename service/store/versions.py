"""Which release wrote a store's schema; a store written by a newer release is never opened.

Opening would run this release's start-up writes (and migrations) over a layout it does not
know, silently turning a newer store into an older one.
"""

from __future__ import annotations

from service import __version__
from service.model.errors import StoreError

PACKAGE = "lrs-service"


def refuse_newer_schema(found: int, written_by: str | None, readable: int) -> None:
    """Raise StoreError if the store's schema `found` is newer than the `readable` one."""
    if found <= readable:
        return
    writer = f"{PACKAGE} {written_by}" if written_by else f"a newer release of {PACKAGE}"
    raise StoreError(
        f"this store was written by {writer} (schema {found}); this release ({__version__}) "
        f"reads schema up to {readable}: upgrade the service, or restore a backup taken "
        "before the upgrade"
    )
