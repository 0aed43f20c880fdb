"""Start the LRS as `make run` does (`python -m service serve`) and watch its resources."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from loadtests.bootstrap import AUTH as AUTH  # several load tests import it from here
from loadtests.bootstrap import KEY as KEY
from loadtests.bootstrap import SECRET as SECRET


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def default_store_url(directory: Path) -> str:
    """The embedded store in `directory`, or the store named by LRS_STORE_URL when set."""
    return os.environ.get("LRS_STORE_URL") or f"sqlite:///{directory / 'lrs.sqlite3'}"


@dataclass
class Server:
    """A served LRS on 127.0.0.1; `stop()` ends it with SIGTERM."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    store_url: str, log: Path, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Server:
    """Start `python -m service serve` with a bootstrap credential; wait until it answers."""
    port = free_port()
    env = {
        **os.environ,
        "LRS_HOST": "127.0.0.1",
        "LRS_PORT": str(port),
        "LRS_STORE_URL": store_url,
        "LRS_BOOTSTRAP_KEY": KEY,
        "LRS_BOOTSTRAP_SECRET": SECRET,
        "LRS_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "service", "serve", "--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the LRS exited at start:\n{log.read_text()[-3000:]}")
        if _answers(port):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the LRS did not start within 60 s:\n{log.read_text()[-3000:]}")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(
                b"GET /xapi/about HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            return sock.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


ThreadKey = tuple[int, int]  # (process id, thread id)


@dataclass(frozen=True)
class ThreadSplit:
    """CPU seconds of the server's threads over a window, by role.

    The serving processes are those that hold the listening socket (the server, or uvicorn's
    workers and their supervisor). `main` is their main threads (thread id == process id: the
    event loop); `busiest_other` is, per serving process, the non-main thread that used the
    most CPU in the window, picked by CPU alone because Python 3.11 does not give its threads
    OS names (in a bench that writes it is the SQLite writer thread); `rest` is their other
    threads (checkpointer, readers, the default executor); `other_processes` is every thread
    of the processes they started (a statement writer process, LRS_STATEMENT_WRITER=process).
    """

    main: float
    busiest_other: float
    rest: float
    other_processes: float


def split_threads(
    before: dict[ThreadKey, float], after: dict[ThreadKey, float], serving: set[int]
) -> ThreadSplit:
    """The CPU each thread used between two snapshots, summed by role (see ThreadSplit)."""
    main = helpers = 0.0
    others: dict[int, list[float]] = {}
    for (pid, tid), seconds in after.items():
        used = max(0.0, seconds - before.get((pid, tid), 0.0))
        if pid not in serving:
            helpers += used
        elif tid == pid:
            main += used
        else:
            others.setdefault(pid, []).append(used)
    busiest = sum(max(used) for used in others.values())
    rest = sum(sum(used) for used in others.values()) - busiest
    return ThreadSplit(main=main, busiest_other=busiest, rest=rest, other_processes=helpers)


def _listens(proc: psutil.Process) -> bool:
    try:
        return any(c.status == psutil.CONN_LISTEN for c in proc.net_connections(kind="tcp"))
    except psutil.Error:
        return False


class ResourceMonitor:
    """CPU seconds (in all and per thread) and peak RSS of a process tree (server and workers)."""

    def __init__(self, pid: int) -> None:
        self._root = psutil.Process(pid)
        self.peak_rss = 0
        self._cpu_start = self._cpu()
        self._threads_start = self._threads()
        self._wall_start = time.perf_counter()

    def _tree(self) -> list[psutil.Process]:
        return [self._root, *self._root.children(recursive=True)]

    def _cpu(self) -> float:
        total = 0.0
        for proc in self._tree():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def _threads(self) -> dict[ThreadKey, float]:
        seconds: dict[ThreadKey, float] = {}
        for proc in self._tree():
            try:
                for thread in proc.threads():
                    seconds[proc.pid, thread.id] = thread.user_time + thread.system_time
            except psutil.NoSuchProcess:
                continue
        return seconds

    def sample(self) -> None:
        """Record the current RSS of the whole tree (call a few times a second)."""
        rss = 0
        for proc in self._tree():
            try:
                rss += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        self.peak_rss = max(self.peak_rss, rss)

    def restart(self) -> None:
        """Start a new CPU window; the RSS peak is kept."""
        self._cpu_start = self._cpu()
        self._threads_start = self._threads()
        self._wall_start = time.perf_counter()

    def cores_used(self) -> float:
        """Average cores the tree used since the last restart."""
        wall = time.perf_counter() - self._wall_start
        return (self._cpu() - self._cpu_start) / wall if wall > 0 else 0.0

    def wait_idle(self, limit_s: float = 10.0, interval_s: float = 0.25) -> None:
        """Wait (at most `limit_s`) until the tree uses under a tenth of a core: the requests
        a loader left in flight are done."""
        deadline = time.perf_counter() + limit_s
        last = self._cpu()
        while time.perf_counter() < deadline:
            time.sleep(interval_s)
            now = self._cpu()
            if now - last < 0.1 * interval_s:
                return
            last = now

    def cpu_seconds(self) -> float:
        """CPU seconds the tree used since the last restart."""
        return self._cpu() - self._cpu_start

    def thread_split(self) -> ThreadSplit:
        """CPU seconds per thread role since the last restart."""
        serving = {proc.pid for proc in self._tree() if _listens(proc)}
        return split_threads(self._threads_start, self._threads(), serving)
