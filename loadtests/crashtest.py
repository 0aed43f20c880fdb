"""Crash consistency: SIGKILL the served LRS during batch ingest, restart it, check the store.

    python -m loadtests.crashtest --cycles 200 --seed 7 [--data-dir DIR]

Each cycle runs concurrent clients POSTing batches of 1..200 statements (most with client-
chosen ids), kills the service with SIGKILL after a random time, restarts it on the same store
and checks (see loadtests/crash_verify.py) that it comes back ready, that every acknowledged
statement is there intact, that no unacknowledged batch is stored in part, and that paging with
`more` returns every stored statement exactly once. Kills land:

- `busy`: while the clients send, so requests and commits are in flight (at least one POST
  has begun, however slow the machine);
- `idle`: after the clients stopped and every answer arrived, between writes (at least one
  batch was answered);
- `startup`: as `busy`, and the restart after it is killed once more while it starts.

The seed fixes the kill times, modes, batch sizes and contents; thread timing still varies.
Exit status 0 when every cycle passed, 1 on the first cycle with a violation (kept data).
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from loadtests.crash_batches import Ledger
from loadtests.crash_load import HEADERS, Load
from loadtests.crash_server import KEY, SECRET, NotReadyError, Service, spawn, wait_ready
from loadtests.crash_verify import (
    Checks,
    Findings,
    Opened,
    open_listing,
    verify_cycle,
    verify_everything,
)

FIRST_REQUEST_SECONDS = 60  # longest wait for the first request to be sent or answered


@dataclass(frozen=True)
class Config:
    """What one run does; see the CLI options."""

    cycles: int
    seed: int
    data_dir: Path
    store_url: str | None = None
    clients: int = 4
    max_batch: int = 200
    min_kill: float = 0.05
    max_kill: float = 1.5
    full_every: int = 25
    checks: Checks = field(default_factory=Checks)

    @property
    def store(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir.resolve() / 'lrs.sqlite3'}"


@dataclass
class Summary:
    """Totals over the cycles run."""

    cycles: int
    survived: int = 0
    acknowledged: int = 0
    verified: int = 0
    lost: int = 0
    half_stored: int = 0
    unacked_whole: int = 0
    unacked_none: int = 0
    ready_seconds: list[float] = field(default_factory=list)  # each start until /readyz 200
    modes: list[str] = field(default_factory=list)  # how each cycle's kill landed
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.survived == self.cycles and not self.problems

    def add(self, findings: Findings) -> None:
        self.acknowledged += findings.acknowledged
        self.verified += findings.verified
        self.lost += findings.lost
        self.half_stored += findings.half_stored
        self.unacked_whole += findings.unacked_whole
        self.unacked_none += findings.unacked_none
        self.problems += findings.problems

    def line(self, seed: int) -> str:
        return (
            f"crashtest seed={seed}: cycles survived {self.survived}/{self.cycles}, "
            f"statements acknowledged {self.acknowledged}, verified {self.verified}, "
            f"lost {self.lost}, half-stored batches {self.half_stored} "
            f"(unacknowledged batches stored whole {self.unacked_whole}, "
            f"not at all {self.unacked_none}), slowest restart to ready "
            f"{max(self.ready_seconds, default=0):.1f} s, violations {len(self.problems)}"
        )


def run(config: Config, out: TextIO = sys.stdout, ledger: Ledger | None = None) -> Summary:
    """Run `config.cycles` kill-restart-verify cycles; stop at the first violation.

    `ledger` (empty) receives every batch sent and every statement found stored.
    """
    ledger = Ledger() if ledger is None else ledger
    summary = Summary(config.cycles)
    log = config.data_dir / "server.log"
    print(f"crashtest: seed {config.seed}, store {config.store}, log {log}", file=out, flush=True)
    service = _start(config, log, summary)
    if service is None:
        return summary
    _require_empty(service)
    try:
        for cycle in range(1, config.cycles + 1):
            service = _cycle(config, ledger, cycle, service, summary, out)
            if service is None or summary.problems:
                break
            summary.survived += 1
    finally:
        if service is not None:
            service.stop()
    for problem in summary.problems[:20]:
        print(f"  VIOLATION: {problem}", file=out)
    print(summary.line(config.seed), file=out, flush=True)
    return summary


@dataclass(frozen=True)
class Plan:
    """What one cycle does; it depends on the seed and the cycle number only."""

    mode: str  # busy, idle or startup (see the module docstring)
    after: float  # seconds of load before the kill
    pause: float  # idle: seconds between the last answer and the kill
    early_at: float  # startup: kill at this fraction of the previous start-up time
    limit: int  # page size of the cycle's listing
    full_limit: int  # page size when paging through everything

    @classmethod
    def draw(cls, config: Config, cycle: int) -> Plan:
        plan = random.Random(f"{config.seed}:{cycle}")
        return cls(
            mode=plan.choices(("busy", "idle", "startup"), weights=(6, 3, 1))[0],
            after=plan.uniform(config.min_kill, config.max_kill),
            pause=plan.uniform(0, 0.2),
            early_at=plan.uniform(0.3, 1.0),
            limit=plan.randint(5, 50),
            full_limit=plan.randint(50, 100),
        )


def _cycle(
    config: Config, ledger: Ledger, cycle: int, service: Service, summary: Summary, out: TextIO
) -> Service | None:
    """Load, kill, restart, verify; the restarted service, or None if it did not come back."""
    plan = Plan.draw(config, cycle)
    summary.modes.append(plan.mode)
    opened: Opened | None = None
    if cycle % config.full_every == 0:
        with _client(service) as client:
            opened = open_listing(client, ledger, plan.full_limit)
    load = _load_until_killed(config, plan, cycle, service)
    for batch in load.batches:
        ledger.add(batch)
    summary.problems += load.problems
    log = config.data_dir / "server.log"
    if plan.mode == "startup":
        early = spawn(config.store, log)  # killed at a random point of its start-up
        time.sleep(plan.early_at * summary.ready_seconds[-1])
        early.kill()
    restarted = _start(config, log, summary)
    if restarted is None:
        return None
    started = time.monotonic()
    with _client(restarted) as client:
        pick = random.Random(f"{config.seed}:{cycle}:verify")
        findings = verify_cycle(client, ledger, cycle, plan.limit, pick, config.checks)
        listings: list[Opened | None] = [opened] if opened is not None else []
        if cycle == config.cycles:
            listings.append(None)  # and once more from the top, the last cycle included
        for listing in listings:
            everything = verify_everything(client, ledger, plan.full_limit, listing)
            findings.problems += everything.problems
            findings.lost += everything.lost
    summary.add(findings)
    acked = sum(1 for batch in load.batches if batch.ids is not None)
    print(
        f"cycle {cycle}/{config.cycles} {plan.mode:7} kill after {plan.after:.2f} s: "
        f"{len(load.batches)} batches, {acked} acknowledged ({findings.acknowledged} statements), "
        f"unacknowledged stored whole {findings.unacked_whole} / not at all "
        f"{findings.unacked_none} / in part {findings.half_stored}; "
        f"{findings.verified} verified, {findings.looked_up} fetched by id in "
        f"{time.monotonic() - started:.2f} s; stored in total {len(ledger.stored)}",
        file=out,
        flush=True,
    )
    return restarted


def _load_until_killed(config: Config, plan: Plan, cycle: int, service: Service) -> Load:
    """Run the clients, SIGKILL the service as planned; the batches sent."""
    load = Load(service.base, cycle, str(config.seed), config.clients, config.max_batch)
    load.start()
    time.sleep(plan.after)
    if plan.mode == "idle":  # between writes, once at least one was answered
        load.answered.wait(FIRST_REQUEST_SECONDS)
        load.stop()
        time.sleep(plan.pause)
    else:  # with at least one request under way
        load.sending.wait(FIRST_REQUEST_SECONDS)
    load.killed_at = time.monotonic()
    service.kill()
    load.stop()
    return load


def _start(config: Config, log: Path, summary: Summary) -> Service | None:
    service = spawn(config.store, log)
    try:
        summary.ready_seconds.append(wait_ready(service))
    except NotReadyError as exc:
        summary.problems.append(f"the service did not come back ready: {exc}")
        return None
    return service


def _client(service: Service) -> httpx.Client:
    limits = httpx.Limits(max_connections=8)
    return httpx.Client(
        base_url=service.base, auth=(KEY, SECRET), headers=HEADERS, timeout=60, limits=limits
    )


def _require_empty(service: Service) -> None:
    with _client(service) as client:
        page = client.get("/xapi/statements", params={"limit": 1}).json()
    if page["statements"]:
        service.stop()
        raise SystemExit("crashtest needs an empty store: the one given holds statements")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.crashtest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cycles", type=int, default=200, help="kill-restart cycles")
    parser.add_argument("--seed", type=int, help="random seed (default: chosen and printed)")
    parser.add_argument("--data-dir", type=Path, help="store and log folder (default: temporary)")
    parser.add_argument("--store-url", help="another LRS_STORE_URL (an empty store)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--max-batch", type=int, default=200, help="largest batch")
    parser.add_argument("--min-kill", type=float, default=0.05, help="shortest load, seconds")
    parser.add_argument("--max-kill", type=float, default=1.5, help="longest load, seconds")
    parser.add_argument("--full-every", type=int, default=25, help="page everything every N")
    parser.add_argument(
        "--lookups",
        type=int,
        default=0,
        help="acknowledged statements per cycle GET by id (0: all)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the service on the way out
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    temporary = args.data_dir is None
    data_dir: Path = args.data_dir or Path(tempfile.mkdtemp(prefix="lrs-crashtest-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(
        cycles=args.cycles,
        seed=seed,
        data_dir=data_dir,
        store_url=args.store_url,
        clients=args.clients,
        max_batch=args.max_batch,
        min_kill=args.min_kill,
        max_kill=args.max_kill,
        full_every=args.full_every,
        checks=Checks(lookups=args.lookups),
    )
    summary = run(config)
    if summary.ok and temporary:
        shutil.rmtree(data_dir)
    elif not summary.ok:
        print(f"crashtest: data kept in {data_dir}", file=sys.stderr)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
