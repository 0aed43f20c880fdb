"""Pre-encoded statement request bodies that stay new on every send.

Generated statement ids start with `generator.ID_MARK`; each send replaces that mark (in ids and
in the StatementRefs that point at them) with a fresh 8-digit prefix, so a small pool of bodies
yields an endless stream of distinct statements at the cost of one `bytes.replace`.
"""

from __future__ import annotations

import random

import orjson

from loadtests.generator import ID_MARK, StatementGenerator

_MARK = ID_MARK.encode()


class BodyPool:
    """`pool` JSON bodies of `batch_size` statements each (a bare object when the size is 1).

    `base` is the first id prefix: random unless given (processes sharing one numbering of
    bodies pass the same base so that their ids never collide).
    """

    def __init__(
        self, batch_size: int, *, pool: int = 64, seed: int = 11, base: int | None = None
    ) -> None:
        generator = StatementGenerator(seed=seed)
        self.batch_size = batch_size
        self._bodies = [
            orjson.dumps(generator.batch(batch_size) if batch_size > 1 else generator.statement())
            for _ in range(pool)
        ]
        self._base = random.SystemRandom().getrandbits(32) if base is None else base

    def body(self, number: int) -> bytes:
        """Body number `number`: pool entry number % pool with round number // pool's prefix."""
        size = len(self._bodies)
        prefix = b"%08x" % ((self._base + number // size) % 2**32)
        return self._bodies[number % size].replace(_MARK, prefix)

    def templates(self) -> list[bytes]:
        """The pool's bodies with the id mark in place (for a loader that replaces it itself)."""
        return list(self._bodies)

    @property
    def mean_bytes(self) -> float:
        return sum(len(b) for b in self._bodies) / len(self._bodies)
