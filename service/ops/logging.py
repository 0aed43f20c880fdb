"""Structured logs: one JSON object per line (orjson), or key=value text for a terminal."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any, Literal

import orjson

FIELDS = "lrs_fields"
LogFormat = Literal["json", "text"]


def log_event(
    logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields: Any
) -> None:
    """Log the named event with its fields as structured data (not interpolated into text)."""
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={FIELDS: fields})


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _payload(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "time": _timestamp(record),
        "level": record.levelname.lower(),
        "logger": record.name,
    }
    fields = getattr(record, FIELDS, None)
    if isinstance(fields, dict):
        payload["event"] = record.msg
        payload.update(fields)
    else:
        payload["event"] = "log"
        payload["message"] = record.getMessage()
    if record.exc_info:
        payload["error"] = formatter.formatException(record.exc_info)
    return payload


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, event and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(_payload(record, self), default=str).decode()


class TextFormatter(logging.Formatter):
    """The same content as `JsonFormatter` as `time level logger event key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        payload = _payload(record, self)
        head = " ".join(str(payload.pop(k)) for k in ("time", "level", "logger", "event"))
        error = payload.pop("error", None)
        tail = " ".join(f"{k}={orjson.dumps(v, default=str).decode()}" for k, v in payload.items())
        line = f"{head} {tail}".rstrip()
        return f"{line}\n{error}" if error else line


def make_formatter(fmt: LogFormat) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure_logging(level: str, fmt: LogFormat, stream: IO[str] | None = None) -> None:
    """Send every logger (uvicorn's too) through one handler on stderr in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
