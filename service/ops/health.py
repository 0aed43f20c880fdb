"""Readiness checks: each names what is wrong, or returns None when its part is fine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from service.ops.logging import log_event
from service.store.ports import StoreLifecycle

ReadinessCheck = Callable[[], Awaitable[str | None]]

log = logging.getLogger("service.ops")


@runtime_checkable
class WriterHealth(Protocol):
    """A store whose writes go through a component that can stop or stall (the SQLite writer)."""

    def writer_problem(self, stall_seconds: float) -> str | None: ...


def store_check(store: StoreLifecycle) -> ReadinessCheck:
    """The store answers a trivial query (any failure or time-out is the problem)."""

    async def check() -> str | None:
        await store.ping()
        return None

    return check


def writer_check(store: WriterHealth, stall_seconds: float) -> ReadinessCheck:
    """The writer is running and no transaction has run longer than `stall_seconds`."""

    async def check() -> str | None:
        return store.writer_problem(stall_seconds)

    return check


def depth_check(
    depth: Callable[[], Awaitable[int]],
    alarm: int,
    *,
    what: str = "outbox",
    record: Callable[[float], None] | None = None,
) -> ReadinessCheck:
    """A queue (the forwarding outbox) holds fewer than `alarm` items; `record` gets the depth."""

    async def check() -> str | None:
        current = await depth()
        if record is not None:
            record(current)
        return f"{what} holds {current} items (alarm at {alarm})" if current >= alarm else None

    return check


@runtime_checkable
class Saturation(Protocol):
    """Admission control: how long it has refused writes without a pause."""

    def saturated_seconds(self) -> float: ...


def saturation_check(admission: Saturation, seconds: float) -> ReadinessCheck:
    """Writes have not been refused for capacity for `seconds` on end (the writer keeps up)."""

    async def check() -> str | None:
        saturated = admission.saturated_seconds()
        if saturated < seconds:
            return None
        return f"writes refused for capacity for {saturated:.0f} s (alarm at {seconds:g} s)"

    return check


def standard_checks(store: StoreLifecycle, stall_seconds: float) -> dict[str, ReadinessCheck]:
    """The checks every running service has; the Runtime's owner may add more."""
    checks = {"store": store_check(store)}
    if isinstance(store, WriterHealth):
        checks["writer"] = writer_check(store, stall_seconds)
    return checks


async def _run(check: ReadinessCheck, seconds: float) -> str | None:
    try:
        return await asyncio.wait_for(check(), seconds)
    except TimeoutError:
        return f"no answer within {seconds:g} s"
    except Exception as exc:
        return str(exc) or type(exc).__name__


async def evaluate(checks: Mapping[str, ReadinessCheck], seconds: float) -> dict[str, str | None]:
    """Run every check concurrently, each bounded by `seconds`; name -> problem or None."""
    names = list(checks)
    results = await asyncio.gather(*(_run(checks[name], seconds) for name in names))
    outcome = dict(zip(names, results, strict=True))
    failing = {name: problem for name, problem in outcome.items() if problem is not None}
    if failing:
        log_event(log, "readiness.failed", level=logging.WARNING, checks=failing)
    return outcome
