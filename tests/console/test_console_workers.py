"""Console sessions live in the store, so every worker process of a served LRS knows them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.server.served import served_process

KEY, SECRET = "workers-key", "workers-secret-value"


def test_a_session_works_on_new_connections_to_two_workers(tmp_path: Path) -> None:
    """Each request opens a new connection, which either worker may accept; a session kept
    in one process's memory would be unknown on about half of them."""
    with served_process(tmp_path, KEY, SECRET, LRS_WORKERS="2") as (base, _):
        with httpx.Client(base_url=base) as first:
            signed_in = first.post("/console/signin", data={"key": KEY, "secret": SECRET})
            assert signed_in.status_code == 303
            cookie = first.cookies["lrs_console"]
        answers = []
        for _ in range(30):
            with httpx.Client(base_url=base, cookies={"lrs_console": cookie}) as fresh:
                answers.append(fresh.get("/console/statements").status_code)
        assert answers == [200] * 30
