"""GET statements query targets, one shape per filter, drawn from the generator's population."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import orjson

from loadtests.generator import ADL, SESSION_VERBS, StatementGenerator

STATEMENTS = "/xapi/statements"


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class QueryShapes:
    """Query strings for every GET filter shape; `since`/`until` end at `now`."""

    def __init__(self, seed: int = 5, traffic_seeds: tuple[int, ...] = (11, 23)) -> None:
        self._random = random.Random(seed)
        self._generator = StatementGenerator(seed=seed)
        self.now = datetime.now(UTC)
        self._registrations = self._known_registrations(traffic_seeds)

    @staticmethod
    def _known_registrations(seeds: tuple[int, ...]) -> list[str]:
        """Registrations the bench's own traffic (generators with these seeds) carries."""
        found: list[str] = []
        for seed in seeds:
            generator = StatementGenerator(seed=seed)
            generator.batch(1000)
            found += generator.registrations
        return found

    def _agent(self) -> str:
        agent = self._generator.actor(self._random.randrange(self._generator.actors))
        agent.pop("name")
        return orjson.dumps(agent).decode()

    def _course(self) -> int:
        return self._random.randrange(self._generator.courses)

    def shapes(self) -> dict[str, Callable[[], str]]:
        """Shape name -> a function giving a fresh target URL of that shape."""
        gen = self._generator
        rnd = self._random

        def target(**params: str) -> str:
            return f"{STATEMENTS}?{urlencode(params)}" if params else STATEMENTS

        def window() -> str:
            until = self.now - timedelta(seconds=rnd.randrange(0, 30))
            return target(since=_iso(until - timedelta(seconds=60)), until=_iso(until))

        return {
            "none": lambda: target(),
            "agent": lambda: target(agent=self._agent()),
            "agent+related_agents": lambda: target(agent=self._agent(), related_agents="true"),
            "verb": lambda: target(verb=ADL + rnd.choice(SESSION_VERBS)),
            "activity": lambda: target(activity=gen.module_id(self._course(), rnd.randrange(12))),
            "activity+related_activities": lambda: target(
                activity=gen.course_id(self._course()), related_activities="true"
            ),
            "registration": lambda: target(registration=rnd.choice(self._registrations)),
            "since+until": window,
            "verb+activity+ascending": lambda: target(
                verb=ADL + rnd.choice(SESSION_VERBS),
                activity=gen.module_id(self._course(), rnd.randrange(12)),
                ascending="true",
            ),
        }
