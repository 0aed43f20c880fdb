"""A server's handle on its statement writer process (`statement_writer_child`).

Statement writes go to the child over a pipe and are answered once its transaction commits;
every other write stays on the server's own writer thread. Sending is done by a thread of its
own so that the event loop never waits on a full pipe, and answers are read by another. Should
the child die, the writes it had not answered fail with a store error, and the store sends
later ones to its own writer thread (`alive` turns False).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from service.model.errors import StoreError
from service.model.statements import StatementWrite
from service.store.observer import WriteObserver
from service.store.sqlite.statement_wire import (
    OBSERVED,
    apply_answer,
    decode_answer,
    encode_write,
)
from service.store.sqlite.statement_writer_child import READY
from service.store.sqlite.writer import write_queue_full

log = logging.getLogger("service.store.sqlite")
START_SECONDS = 60.0
STOP_SECONDS = 60.0


@dataclass(slots=True)
class _Waiting:
    write: StatementWrite
    future: asyncio.Future[list[str]]
    loop: asyncio.AbstractEventLoop


class StatementWriterProcess:
    """Starts the child, sends it writes, resolves each write's future with its answer."""

    def __init__(self, path: Path, *, group_commit_max: int, max_pending: int | None) -> None:
        self._path = path
        self._group_commit_max = group_commit_max
        self._max_pending = max_pending
        self._pipe: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._outgoing: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._waiting: dict[int, _Waiting] = {}
        self._waiting_lock = threading.Lock()
        self._numbers = itertools.count()
        self._threads: list[threading.Thread] = []
        self.alive = False
        self._observer: WriteObserver | None = None

    def start(self, observer: WriteObserver | None = None) -> None:
        """Spawn the child and wait until it has opened the file (blocking); the child's
        transactions are reported to `observer` as the writer thread's are."""
        self._observer = observer
        ours_socket, theirs = socket.socketpair()
        with theirs:
            process = subprocess.Popen(  # a new interpreter: never fork a process with threads
                [
                    sys.executable,
                    "-m",
                    "service.store.sqlite.statement_writer_main",
                    str(theirs.fileno()),
                    str(self._path),
                    str(self._group_commit_max),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        ours = Connection(ours_socket.detach())
        try:
            if not ours.poll(START_SECONDS) or ours.recv_bytes() != READY:
                raise StoreError("the statement writer process did not start")
        except (EOFError, OSError, StoreError):
            process.kill()
            process.wait()
            ours.close()
            raise StoreError("the statement writer process did not start") from None
        self._pipe, self._process = ours, process
        self.alive = True
        for target, name in ((self._send, "statement-sender"), (self._answer, "statement-answers")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    async def store(self, write: StatementWrite) -> list[str]:
        """Store the write in the child; its ids, or the error it answered."""
        if not self.alive:
            raise StoreError("the statement writer process has stopped")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[str]] = loop.create_future()
        number = next(self._numbers)
        with self._waiting_lock:
            if self._max_pending is not None and len(self._waiting) >= self._max_pending:
                raise write_queue_full()
            self._waiting[number] = _Waiting(write, future, loop)
        self._outgoing.put(encode_write(number, write))
        return await future

    @property
    def started(self) -> bool:
        return self._process is not None

    def stop(self) -> None:
        """Let the child finish every write it received, then end it (blocking)."""
        self._outgoing.put(None)
        for thread in self._threads:
            thread.join(STOP_SECONDS)
        process = self._process
        if process is not None:
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                log.error("the statement writer process did not stop; killing it")
                process.kill()
                process.wait()
        if self._pipe is not None:
            self._pipe.close()
        self._fail_waiting("the store is closed")

    def _send(self) -> None:
        pipe = self._pipe
        assert pipe is not None
        while (data := self._outgoing.get()) is not None:
            try:
                pipe.send_bytes(data)
            except OSError:
                break  # the child died; the answer thread fails what waits
        with contextlib.suppress(OSError):
            pipe.send_bytes(b"")  # nothing more: the child ends after what it has

    def _answer(self) -> None:
        pipe = self._pipe
        assert pipe is not None
        try:
            while True:
                number, ok, payload = decode_answer(pipe.recv_bytes())
                if number == OBSERVED:
                    self._observed(ok, payload)
                    continue
                with self._waiting_lock:
                    waiting = self._waiting.pop(number, None)
                if waiting is not None:
                    waiting.loop.call_soon_threadsafe(_resolve, waiting, ok, payload)
        except (EOFError, OSError):
            pass
        if self.alive:
            self.alive = False
            self._fail_waiting("the statement writer process stopped")

    def _observed(self, committed: bool, payload: tuple[int, float]) -> None:
        observer = self._observer
        if observer is None:
            return
        jobs, seconds = payload
        try:
            if committed:
                observer.transaction_committed(jobs, seconds)
            else:
                observer.transaction_failed(jobs)
        except Exception:
            log.exception("the write observer failed")

    def _fail_waiting(self, reason: str) -> None:
        with self._waiting_lock:
            waiting, self._waiting = list(self._waiting.values()), {}
        for entry in waiting:
            entry.loop.call_soon_threadsafe(_fail, entry, reason)


def _resolve(waiting: _Waiting, ok: bool, payload: Any) -> None:
    if waiting.future.done():
        return
    try:
        waiting.future.set_result(apply_answer(waiting.write, ok, payload))
    except Exception as exc:
        waiting.future.set_exception(exc)


def _fail(waiting: _Waiting, reason: str) -> None:
    if not waiting.future.done():
        waiting.future.set_exception(StoreError(reason))
