"""Stall a served LRS with uploads or heads that stop, and measure how long they hold it.

    python -m loadtests.stalled [--attack body|promise|slowloris] [--connections 260]
                                [--hold 120] [--env LRS_BODY_TIMEOUT=30 ...]

`body` sends a statement POST's headers and one byte of its body, `promise` announces
Content-Length: 20 MiB and sends nothing, `slowloris` sends a head a byte a second and never
ends it. The attacker keeps every socket open until the server closes it or `--hold` seconds
pass; meanwhile another client POSTs a statement every half second. Printed: what the stalled
connections got and when the server closed them, and when the other client was refused and
served again. The server runs the defaults (`make run`) but for the `--env` settings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from loadtests.generator import StatementGenerator
from loadtests.server import AUTH, default_store_url, start_server

ATTACKS = ("body", "promise", "slowloris")
PROBE_EVERY = 0.5


def post_head(length: int) -> bytes:
    return (
        "POST /xapi/statements HTTP/1.1\r\nHost: lrs\r\n"
        f"Authorization: {AUTH}\r\nX-Experience-API-Version: 2.0.0\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


@dataclass
class Stalled:
    """One stalled connection: the status it was answered with (0: none) and when it closed."""

    status: int = 0
    closed_after: float | None = None


@dataclass
class Probes:
    """The other client's POSTs: (seconds since the attack began, status; 0 for no answer)."""

    answers: list[tuple[float, int]] = field(default_factory=list)

    def refused_until(self) -> float | None:
        refused = [at for at, status in self.answers if status != 200]
        return max(refused) if refused else None

    def served_again(self) -> float | None:
        last = self.refused_until()
        if last is None:
            return None
        return next((at for at, status in self.answers if status == 200 and at > last), None)


async def stall(attack: str, host: str, port: int, began: float, hold: float) -> Stalled:
    """Open one connection, stall it as `attack` says, and wait for the server to give up."""
    result = Stalled()
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return result
    try:
        if attack == "body":
            writer.write(post_head(400) + b"[")
        elif attack == "promise":
            writer.write(post_head(20 * 2**20))
        trickle = asyncio.create_task(_trickle(writer)) if attack == "slowloris" else None
        try:
            answer = await asyncio.wait_for(reader.read(), hold - (time.monotonic() - began))
        except (TimeoutError, ConnectionError):
            return result
        finally:
            if trickle is not None:
                trickle.cancel()
        result.closed_after = time.monotonic() - began
        if answer.startswith(b"HTTP/1.1 "):
            result.status = int(answer.split(b" ", 2)[1])
        return result
    finally:
        writer.close()


async def _trickle(writer: asyncio.StreamWriter) -> None:
    for byte in post_head(2)[:-4]:
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            return
        await asyncio.sleep(1)


async def probe(base: str, began: float, done: asyncio.Event) -> Probes:
    """POST one statement every half second until `done`, each on a fresh connection."""
    probes = Probes()
    generator = StatementGenerator(seed=14)
    headers = {"Authorization": AUTH, "X-Experience-API-Version": "2.0.0"}
    while not done.is_set():
        body = orjson.dumps(generator.batch(1))
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=5) as client:
            try:
                response = await client.post("/xapi/statements", content=body)
                status = response.status_code
            except httpx.TransportError:
                status = 0
        probes.answers.append((round(time.monotonic() - began, 1), status))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), PROBE_EVERY)
    return probes


async def attack(base: str, kind: str, connections: int, hold: float) -> None:
    host, port = base.removeprefix("http://").split(":")
    began = time.monotonic()
    done = asyncio.Event()
    prober = asyncio.create_task(probe(base, began, done))
    stalled = [stall(kind, host, int(port), began, hold) for _ in range(connections)]
    results = await asyncio.gather(*stalled)
    await asyncio.sleep(2 * PROBE_EVERY)  # the other client's first answers after the attack
    done.set()
    probes = await prober
    statuses = Counter(r.status for r in results)
    closed = sorted(r.closed_after for r in results if r.closed_after is not None)
    print(f"attack {kind}: {connections} connections held up to {hold:g} s")
    print(f"  answers to the stalled connections: {dict(sorted(statuses.items()))} (0: none)")
    if closed:
        print(f"  closed by the server: {len(closed)}, the last after {closed[-1]:.1f} s")
    print(f"  still open when the attacker gave up: {connections - len(closed)}")
    refused = Counter(status for _, status in probes.answers if status != 200)
    print(f"  other client's POSTs: {len(probes.answers)}, refused {dict(refused)}")
    again = probes.served_again()
    print(f"  last refused at {probes.refused_until()} s, served again at {again} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--attack", choices=ATTACKS, default="body")
    parser.add_argument("--connections", type=int, default=260)
    parser.add_argument("--hold", type=float, default=120.0, help="seconds the attacker waits")
    parser.add_argument("--env", action="append", default=[], help="LRS_NAME=value for the LRS")
    args = parser.parse_args()
    extra = dict(pair.split("=", 1) for pair in args.env)
    with tempfile.TemporaryDirectory(prefix="lrs-stalled-") as directory:
        folder = Path(directory)
        server = start_server(default_store_url(folder), folder / "server.log", extra_env=extra)
        try:
            asyncio.run(attack(server.base, args.attack, args.connections, args.hold))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
