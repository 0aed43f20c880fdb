"""Locust scenarios: LMS batch ingest, single statements, content sessions with State, BI queries.

    make loadtest                      # starts a server, runs headless, writes CSV + summary
    .venv/bin/locust -f loadtests/locustfile.py --host http://127.0.0.1:8080   # by hand

Credentials come from LRS_KEY / LRS_SECRET (default: the ones `make loadtest` bootstraps).
Outcome queries join once the outcome API exists.
"""

from __future__ import annotations

import os
import random
import uuid
from urllib.parse import urlencode

import orjson
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

from loadtests.bodies import BodyPool
from loadtests.generator import StatementGenerator
from loadtests.queries import QueryShapes
from loadtests.rawhttp import basic_auth
from loadtests.server import KEY, SECRET

VERSION = "2.0.0"
AUTH = basic_auth(os.environ.get("LRS_KEY", KEY), os.environ.get("LRS_SECRET", SECRET))
JSON_HEADERS = {
    "Authorization": AUTH,
    "X-Experience-API-Version": VERSION,
    "Content-Type": "application/json",
}
GET_HEADERS = {"Authorization": AUTH, "X-Experience-API-Version": VERSION}
BATCH_SIZES = (10, 50, 100, 250, 500)
_pools: dict[int, BodyPool] = {}


def pool(size: int) -> BodyPool:
    """Pre-encoded bodies per batch size, built once per locust process."""
    if size not in _pools:
        _pools[size] = BodyPool(size, pool=8 if size > 100 else 32, seed=100 + size)
    return _pools[size]


class LmsBatchUser(FastHttpUser):
    """An LMS pushing its queue: batches of 10-500 statements back to back."""

    weight = 2
    wait_time = between(0.0, 0.05)

    @task
    def post_batch(self) -> None:
        size = random.choice(BATCH_SIZES)
        body = pool(size).body(random.getrandbits(30))
        self.client.post(
            "/xapi/statements",
            data=body.decode(),
            headers=JSON_HEADERS,
            name=f"POST statements x{size}",
        )


class SingleStatementUser(FastHttpUser):
    """Content sending each statement as it happens."""

    weight = 3
    wait_time = between(0.0, 0.02)

    @task
    def post_one(self) -> None:
        body = pool(1).body(random.getrandbits(30))
        self.client.post(
            "/xapi/statements", data=body.decode(), headers=JSON_HEADERS, name="POST statement"
        )


class ContentSessionUser(FastHttpUser):
    """A SCORM-like player: reads its State, saves bookmarks, merges progress."""

    weight = 2
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        generator = StatementGenerator(seed=random.getrandbits(16))
        learner = generator.actor(random.randrange(generator.actors))
        learner.pop("name")
        self.params = {
            "activityId": generator.module_id(random.randrange(200), random.randrange(12)),
            "agent": orjson.dumps(learner).decode(),
            "registration": str(uuid.uuid4()),
            "stateId": "bookmark",
        }
        self.url = "/xapi/activities/state?" + urlencode(self.params)

    @task
    def session(self) -> None:
        with self.client.get(
            self.url, headers=GET_HEADERS, name="GET state", catch_response=True
        ) as found:
            etag = found.headers.get("ETag") if found.status_code == 200 else None
            if found.status_code in (200, 404):
                found.success()
        precondition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
        page = orjson.dumps({"page": random.randrange(40), "scroll": random.random()})
        self.client.put(
            self.url, data=page.decode(), headers={**JSON_HEADERS, **precondition}, name="PUT state"
        )
        progress = orjson.dumps({"progress": round(random.random(), 2)})
        self.client.post(self.url, data=progress.decode(), headers=JSON_HEADERS, name="POST state")


class BiQueryUser(FastHttpUser):
    """A reporting tool: every GET statements filter shape, then pages through `more`."""

    weight = 1
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.shapes = QueryShapes(seed=random.getrandbits(16)).shapes()

    @task(5)
    def filtered(self) -> None:
        name, make = random.choice(list(self.shapes.items()))
        self.client.get(make(), headers=GET_HEADERS, name=f"GET statements [{name}]")

    @task(1)
    def paging(self) -> None:
        target = "/xapi/statements?limit=50"
        for _ in range(5):
            response = self.client.get(target, headers=GET_HEADERS, name="GET statements [more]")
            if response.status_code != 200 or not response.content:
                return
            target = orjson.loads(response.content).get("more") or ""
            if not target:
                return
