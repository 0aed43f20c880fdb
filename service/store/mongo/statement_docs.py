"""Statement records as MongoDB documents, and the batch rules decided before any write.

A statement document: `t` tenant, `id`, `seq`, `stored` (ms), `voided`, `p` (the writing
batch's token, whose marker in the counter document says whether it is committed, see
`batches`; "" in documents of schema 1, all committed), `ref` (StatementRef target or ""),
`voids` (voiding target or ""), `k` (the filter keys, inherited ones included: one multikey index
serves every query, SR-42/SR-43), `ak` (the authority key, which referrers never inherit),
`att` (its attachments' sha2s), `up` (the sha2s whose data came with it, AT-20; absent when
none did, or stored before it was kept: `service.xapi.attachment_parts` decides those), `ot`
(the `timestamp` as sent, only when V-12 rewrote it; for the exports) and
`body` (the exact bytes returned, ARCHITECTURE rule 6). Empty strings stand for "none" so
every filter is a plain equality.
"""

from __future__ import annotations

from typing import Any

import orjson

from service.model.statements import KeyKind, NewStatement
from service.store.mongo.client import Doc
from service.xapi.attachment_parts import uploaded_with
from service.xapi.equivalence import statements_equivalent
from service.xapi.erasure import attachment_sha2s
from service.xapi.statement_batch import stamped
from service.xapi.timestamps import format_ms


def encode_key(kind: KeyKind, key: str) -> str:
    """One entry of the `k` array: the key kind and the key (SR-42)."""
    return f"{int(kind)}:{key}"


def authority_key(new: NewStatement) -> str:
    """The authority filter key of a statement, or "" (never inherited through references)."""
    authority = new.index.authority
    return encode_key(KeyKind.AUTHORITY, authority) if authority else ""


def statement_doc(
    tenant: str, new: NewStatement, seq: int, stored_ms: int, token: str, sent: frozenset[str]
) -> Doc:
    """The document of a new statement whose request carried the attachment data `sent`.

    `new.statement` stays unstamped for comparisons.
    """
    keys = [encode_key(kind, key) for kind, key in new.index.keys]
    authority = authority_key(new)
    if authority:
        keys.append(authority)
    doc: Doc = {
        "t": tenant,
        "id": new.id,
        "seq": seq,
        "stored": stored_ms,
        "voided": False,
        "p": token,
        "ref": new.index.ref_target or "",
        "voids": new.index.voids or "",
        "k": sorted(set(keys)),
        "ak": authority,
        "att": sorted(attachment_sha2s(new.statement)),  # which attachments it uses (erasure)
        "body": orjson.dumps(stamped(new.statement, format_ms(stored_ms))),
    }
    if new.original_timestamp is not None:
        doc["ot"] = new.original_timestamp  # `timestamp` as sent, when V-12 rewrote it
    uploaded = uploaded_with(new.statement, sent)
    if uploaded is not None:
        doc["up"] = list(uploaded)
    return doc


def inheritable_keys(doc: Doc) -> set[str]:
    """The keys a referring statement takes over from this one (SR-43)."""
    keys: set[str] = set(doc.get("k", ()))
    keys.discard(doc.get("ak", ""))
    return keys


def equivalent(existing: Doc, new: NewStatement) -> bool:
    """Whether a stored document holds the same statement as a new one (SR-6)."""
    stored: dict[str, Any] = orjson.loads(existing["body"])
    return statements_equivalent(stored, new.statement)
