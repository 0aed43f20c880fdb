"""Statement writes and their answers as bytes, between a server and its statement writer process.

A statement travels as the JSON the store will keep (one orjson pass, cheaper to send and to
read back than a pickled dict) with its precomputed index; the answer carries what the store
decided for each statement: its `seq` (None for an equivalent one already stored) and the
`stored` value the write received.
"""

from __future__ import annotations

import pickle
from typing import Any

import orjson

from service.model.errors import ConflictError, LRSError, StoreError
from service.model.statements import NewStatement, StatementIndex, StatementWrite, StoredAttachment
from service.xapi.statement_batch import stamped

_PROTOCOL = 5
OBSERVED = -1  # the number of a message that reports a transaction, not a write's answer
_ERRORS: dict[str, type[LRSError]] = {"ConflictError": ConflictError, "StoreError": StoreError}


def encode_write(request_id: int, write: StatementWrite) -> bytes:
    statements = [
        (
            new.id,
            orjson.dumps(new.statement),
            list(new.index.keys),
            new.index.ref_target,
            new.index.voids,
            new.index.definitions,
            new.index.agents,
            new.index.authority,
            new.original_timestamp,
            "timestamp" in new.statement,
        )
        for new in write.statements
    ]
    attachments = [(a.sha2, a.content_type, a.data) for a in write.attachments]
    return pickle.dumps((request_id, write.tenant, statements, attachments), _PROTOCOL)


def decode_write(data: bytes) -> tuple[int, StatementWrite]:
    request_id, tenant, statements, attachments = pickle.loads(data)
    news = [
        NewStatement(
            id=statement_id,
            statement={},  # parsed only if the write needs it (NewStatement.content)
            index=StatementIndex(
                keys=set(keys),
                ref_target=ref_target,
                voids=voids,
                definitions=definitions,
                agents=agents,
                authority=authority,
            ),
            original_timestamp=original_timestamp,
            body=body,
            has_timestamp=has_timestamp,
        )
        for (
            statement_id,
            body,
            keys,
            ref_target,
            voids,
            definitions,
            agents,
            authority,
            original_timestamp,
            has_timestamp,
        ) in statements
    ]
    uploads = [
        StoredAttachment(sha2, content_type, blob) for sha2, content_type, blob in attachments
    ]
    return request_id, StatementWrite(tenant, news, uploads)


def encode_stored(request_id: int, write: StatementWrite) -> bytes:
    """The answer to a stored write: each statement's `seq` and the write's `stored`."""
    seqs = [new.seq for new in write.statements]
    stored = next((new.stored for new in write.statements if new.seq is not None), None)
    return pickle.dumps((request_id, True, (seqs, stored)), _PROTOCOL)


def encode_refused(request_id: int, error: LRSError) -> bytes:
    return pickle.dumps((request_id, False, (type(error).__name__, error.message)), _PROTOCOL)


def encode_observed(committed: bool, jobs: int, seconds: float) -> bytes:
    """A transaction of the writer process, for the server's write observer (metrics)."""
    return pickle.dumps((OBSERVED, committed, (jobs, seconds)), _PROTOCOL)


def decode_answer(data: bytes) -> tuple[int, bool, Any]:
    answer: tuple[int, bool, Any] = pickle.loads(data)
    return answer


def apply_answer(write: StatementWrite, ok: bool, payload: Any) -> list[str]:
    """Record what the writer process decided on the write's own statements, as the
    in-process writer would have (`seq`, and `stored` on those it inserted); or raise its
    error."""
    if not ok:
        name, message = payload
        raise _ERRORS.get(name, StoreError)(message)
    seqs, stored = payload
    for new, seq in zip(write.statements, seqs, strict=True):
        new.seq = seq
        if seq is not None:
            new.stored = stored
            new.statement = stamped(new.statement, stored)
    return [new.id for new in write.statements]
