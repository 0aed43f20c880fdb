"""Which attachments of a stored statement get their data in a response (AT-20, AT-21).

Attachment data is kept once per tenant and sha2 (AT-4), so the hash alone must not decide:
a statement gets the data of exactly those attachments whose bytes were sent in the request
that stored it, with or without `fileUrl`. Anyone who can read that statement could read
those bytes in the request anyway. A `fileUrl`-only statement naming a hash that another
statement uploaded gets no part, whether or not the tenant holds that hash (no oracle).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.model.statements import Uploaded
from service.xapi.attachments import iter_attachments


def uploaded_with(statement: dict[str, Any], sent: frozenset[str]) -> Uploaded:
    """The sha2s of the statement's attachments whose data `sent` (its request) carried."""
    if not sent:
        return None
    found = {
        sha2.lower()
        for attachment in iter_attachments([statement])
        if isinstance(sha2 := attachment.get("sha2"), str) and sha2.lower() in sent
    }
    return tuple(sorted(found)) or None


def part_sha2s(statement: dict[str, Any], uploaded: Uploaded) -> Iterator[str]:
    """The sha2s of the statement's attachments that get a part.

    Without a record (None) an attachment gets one when it has no `fileUrl`: such a statement
    was accepted only with those bytes in its request (AT-2), and no statement stored since
    the store keeps records lacks one while it has such an attachment. Statements stored
    earlier with data sent alongside a `fileUrl` attachment get no part for it: whether its
    bytes came with it can no longer be told.
    """
    for attachment in iter_attachments([statement]):
        sha2 = attachment["sha2"].lower()
        if sha2 in uploaded if uploaded is not None else "fileUrl" not in attachment:
            yield sha2
