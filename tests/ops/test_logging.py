"""Structured logs and request ids (issue 7)."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.model.errors import StoreError
from service.ops.logging import JsonFormatter, TextFormatter, configure_logging, log_event
from tests.builders import statement
from tests.conftest import KEY, client_for, make_settings

ACCESS_FIELDS = {
    "time",
    "level",
    "logger",
    "event",
    "request_id",
    "tenant",
    "credential",
    "method",
    "route",
    "status",
    "duration_ms",
    "statements",
}


def _lines(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    parsed = [orjson.loads(formatter.format(record)) for record in caplog.records]
    return [line for line in parsed if line["event"] == event]


async def test_one_json_line_per_request(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="service.access")
    async with client_for(app, "2.0.0") as client:
        posted = await client.post("/xapi/statements", json=[statement(), statement()])
    [line] = _lines(caplog, "request")
    assert set(line) == ACCESS_FIELDS
    assert line["request_id"] == posted.headers["X-Request-Id"]
    assert line["logger"] == "service.access"
    assert (line["method"], line["route"], line["status"]) == ("POST", "/xapi/statements", 200)
    assert (line["tenant"], line["credential"], line["statements"]) == ("default", KEY, 2)
    assert isinstance(line["duration_ms"], float)
    assert str(line["time"]).endswith("Z")


async def test_request_id_round_trip(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as client:
        kept = await client.get("/xapi/statements", headers={"X-Request-Id": "trace-42.a:b"})
        generated = await client.get("/xapi/statements")
        too_long = await client.get("/xapi/statements", headers={"X-Request-Id": "x" * 129})
        odd = await client.get("/xapi/statements", headers={"X-Request-Id": 'a b"<script>'})
    async with client_for(app, None) as unversioned:  # refused by the xAPI middleware itself
        refused = await unversioned.get("/xapi/statements", headers={"X-Request-Id": "r-1"})
    assert kept.headers["X-Request-Id"] == "trace-42.a:b"
    assert len(generated.headers["X-Request-Id"]) == 32
    for replaced in (too_long, odd):
        assert replaced.headers["X-Request-Id"] not in ("x" * 129, 'a b"<script>')
        assert len(replaced.headers["X-Request-Id"]) == 32
    assert (refused.status_code, refused.headers["X-Request-Id"]) == (400, "r-1")


async def test_startup_logs_masked_configuration_and_prints_a_new_credential(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="service")
    settings = make_settings(tmp_path, bootstrap_key=None, bootstrap_secret=None, port=8123)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        pass
    [config] = _lines(caplog, "config")
    [startup] = _lines(caplog, "startup")
    [generated] = _lines(caplog, "credential.generated")
    assert config["settings"]["LRS_STORE_URL"].endswith("lrs.sqlite3")  # type: ignore[index]
    assert startup["store"] == "sqlite"
    assert startup["endpoint"] == "http://lrs.test/xapi/"
    assert startup["listen"] == f"{settings.host}:8123"
    assert startup["credential"] == "generated"
    printed = capsys.readouterr().err
    assert f"key:    {generated['key']}" in printed
    secret = printed.split("secret: ")[1].split()[0]
    assert secret not in caplog.text  # the secret reaches the person, never the logs
    assert [r for r in caplog.records if r.getMessage() == "shutdown.complete"]


def test_json_and_text_formatters_carry_the_same_fields() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("info", "json", stream)
    try:
        log_event(logging.getLogger("service.test"), "demo", count=3, who="ann")
        logging.getLogger("service.test").warning("plain %s", "message")
        try:
            raise ValueError("bad")
        except ValueError:
            logging.getLogger("service.test").exception("failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    demo, plain, failed = (orjson.loads(line) for line in stream.getvalue().splitlines()[:3])
    assert (demo["event"], demo["count"], demo["who"], demo["level"]) == ("demo", 3, "ann", "info")
    assert (plain["event"], plain["message"], plain["level"]) == ("log", "plain message", "warning")
    assert "ValueError: bad" in str(failed["error"])
    record = logging.LogRecord("service.test", logging.INFO, __file__, 1, "demo", None, None)
    record.lrs_fields = {"count": 3}
    assert TextFormatter().format(record).endswith("info service.test demo count=3")


async def test_store_errors_are_structured_events(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    application = create_app(make_settings(tmp_path))  # SQLite: its writer can be stopped
    async with application.router.lifespan_context(application):
        await asyncio.to_thread(application.state.runtime.store.database.writer.stop)
        async with client_for(application, "2.0.0") as client:
            failed = await client.post("/xapi/statements", json=statement())
    assert failed.status_code == 500
    [event] = _lines(caplog, "store.error")
    assert event["request_id"] == failed.headers["X-Request-Id"]
    assert event["error"] == "the store is closed"
    [line] = _lines(caplog, "request")
    assert (line["status"], line["level"]) == (500, "error")


async def test_a_failed_start_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "file").write_text("not a folder")
    settings = make_settings(tmp_path, store_url=f"sqlite:///{tmp_path / 'file' / 'lrs.db'}")
    application = create_app(settings)
    with pytest.raises(StoreError):
        async with application.router.lifespan_context(application):
            pass
    [event] = _lines(caplog, "startup.failed")
    assert str(event["error"]).startswith("cannot open the SQLite store")
