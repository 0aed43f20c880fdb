"""The statement writer process: stores the statement writes its server sends over a pipe.

It runs the same group commit and statement write as a server's own writer thread, on its
own connection to the file and under the same cross-process write lock, so the two never write
at once. It has a GIL of its own, which is the point: the server's event loop parses and
validates while this process writes. One thread does everything (no GIL hand-offs): it takes
every write waiting in the pipe, stores them in one transaction, and answers each once that
transaction has committed. It ends when the server sends an empty message or closes the pipe
(a graceful stop, or the server died), having stored every write it received.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from service.model.errors import LRSError, StoreError
from service.store.sqlite.database import SQLiteDatabase
from service.store.sqlite.statement_store import StatementsJob
from service.store.sqlite.statement_wire import (
    decode_write,
    encode_observed,
    encode_refused,
    encode_stored,
)
from service.store.sqlite.writer import Job

log = logging.getLogger("service.store.sqlite")
READY = b"ready"
COLLECT_EVERY = 50  # groups stored between garbage collections


def run_statement_writer(pipe: Connection, path: str, group_commit_max: int) -> None:
    """Serve the server's statement writes until it says it sends no more."""
    # The server decides when this process ends: a Ctrl-C or SIGTERM sent to the whole
    # process group must not stop the writes that the server's graceful stop still awaits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    answers = _Answers(pipe)
    db = SQLiteDatabase(
        Path(path),
        read_threads=1,
        group_commit_max=group_commit_max,
        checkpoints=False,
        writer_thread=False,
    )
    db.write_observer = _ObservedThroughPipe(answers)
    asyncio.run(db.open())
    # The writes in hand are acyclic (parsed JSON and tuples): a collector scanning them for
    # cycles tripled the cost of reading them. Collect between groups instead, when none is.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        pipe.send_bytes(READY)
        more, groups = True, 0
        while more:
            received, more = _waiting_writes(pipe, group_commit_max)
            if received:
                _store(db, received, answers)
                del received
            groups += 1
            if groups % COLLECT_EVERY == 0:
                gc.collect()
                gc.freeze()  # what survived (mostly the writer's caches) is not scanned again
    finally:
        asyncio.run(db.close())
        answers.close()


def _waiting_writes(pipe: Connection, most: int) -> tuple[list[bytes], bool]:
    """The next writes (blocks for one, then takes what else is waiting), and whether more
    may follow (False once the server sent an empty message or closed its end)."""
    received: list[bytes] = []
    try:
        while len(received) < most and (not received or pipe.poll(0)):
            data = pipe.recv_bytes()
            if not data:
                return received, False
            received.append(data)
    except (EOFError, OSError):
        return received, False
    return received, True


def _store(db: SQLiteDatabase, received: list[bytes], answers: _Answers) -> None:
    assert db.writer is not None
    decoded = [decode_write(data) for data in received]
    jobs: list[Job] = [StatementsJob(db, write) for _, write in decoded]
    results = db.writer.run_group(jobs)
    for (number, write), (ok, value) in zip(decoded, results, strict=True):
        if ok:
            answers.send(encode_stored(number, write))
        else:
            error = value if isinstance(value, LRSError) else StoreError("the store failed")
            answers.send(encode_refused(number, error))


class _Answers:
    """Sends answers; stops sending once the server is gone."""

    def __init__(self, pipe: Connection) -> None:
        self._pipe = pipe
        self._gone = False

    def send(self, data: bytes) -> None:
        if self._gone:
            return
        try:
            self._pipe.send_bytes(data)
        except OSError:  # the server died: its writes are stored, nobody awaits the answers
            self._gone = True

    def close(self) -> None:
        self._gone = True
        self._pipe.close()


class _ObservedThroughPipe:
    """The server's write observer, told through the pipe (a WriteObserver)."""

    def __init__(self, answers: _Answers) -> None:
        self._answers = answers

    def transaction_committed(self, jobs: int, seconds: float) -> None:
        self._answers.send(encode_observed(True, jobs, seconds))

    def transaction_failed(self, jobs: int) -> None:
        self._answers.send(encode_observed(False, jobs, 0.0))
