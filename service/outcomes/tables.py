"""Tabular uploads (CSV or a JSON array of objects), read whole before anything is stored."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from service.model.errors import BadRequestError
from service.outcomes.problems import InvalidDocumentError

T = TypeVar("T")
CSV_TYPES = ("text/csv", "application/csv")


class RowError(ValueError):
    """A problem with one field of one row."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Row:
    """One record, with where it came from: a CSV line number or a JSON array index."""

    values: dict[str, str | None]
    line: int | None
    index: int | None

    @property
    def label(self) -> str:
        """`line N` or `$[N]`, for messages that point at another row."""
        return f"line {self.line}" if self.line is not None else f"$[{self.index}]"

    def where(self, field: str | None) -> dict[str, Any]:
        """How a problem in this row is reported."""
        if self.line is not None:
            return {"line": self.line, **({"field": field} if field else {})}
        suffix = f".{field}" if field else ""
        return {"path": f"$[{self.index}]{suffix}"}


def read_rows(
    body: bytes, content_type: str | None, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[Row]:
    """Rows of a CSV (header row first) or JSON upload; 400 listing every shape problem."""
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequestError("the upload must be UTF-8 text") from None
    if media in CSV_TYPES:
        return _csv_rows(text, columns, required)
    if media == "application/json":
        return _json_rows(text, columns, required)
    raise BadRequestError("upload text/csv or application/json")


def unique_by(
    key: Callable[[T], object], field: str, convert: Callable[[Row], T]
) -> Callable[[Row], T]:
    """Wrap a row converter so a repeated key is a RowError pointing at the first row."""
    first: dict[object, str] = {}

    def checked(row: Row) -> T:
        value = convert(row)
        earlier = first.setdefault(key(value), row.label)
        if earlier != row.label:
            raise RowError(field, f"repeats the row at {earlier}")
        return value

    return checked


def convert_rows(what: str, rows: list[Row], convert: Callable[[Row], T]) -> list[T]:
    """Convert every row, collecting every RowError; nothing is returned unless all succeed."""
    out: list[T] = []
    problems: list[dict[str, Any]] = []
    for row in rows:
        try:
            out.append(convert(row))
        except RowError as exc:
            problems.append({**row.where(exc.field), "message": exc.message})
    if problems:
        raise InvalidDocumentError(what, problems)
    if not out:
        raise InvalidDocumentError(what, [{"line": 1, "message": "the upload has no rows"}])
    return out


def _csv_rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    problems = [
        {"line": 1, "field": name, "message": f"unknown column (use {', '.join(columns)})"}
        for name in header
        if name not in columns
    ]
    problems += [
        {"line": 1, "field": name, "message": "required column is missing"}
        for name in required
        if name not in header
    ]
    rows: list[Row] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                {
                    "line": reader.line_num,
                    "message": f"has {len(cells)} cells; the header has {len(header)}",
                }
            )
            continue
        values = {name: cell.strip() or None for name, cell in zip(header, cells, strict=True)}
        rows.append(Row(values, reader.line_num, None))
    if problems:
        raise InvalidDocumentError("the upload", problems)
    return rows


def _json_rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[Row]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(f"the body is not valid JSON: {exc.msg}") from None
    if not isinstance(data, list):
        raise BadRequestError("the JSON upload must be an array of objects")
    problems: list[dict[str, Any]] = []
    rows: list[Row] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append({"path": f"$[{index}]", "message": "must be a JSON object"})
            continue
        values: dict[str, str | None] = {}
        for name, value in item.items():
            if name not in columns:
                problems.append({"path": f"$[{index}].{name}", "message": "is not a known field"})
            elif isinstance(value, bool) or not isinstance(value, str | int | float | None):
                problems.append(
                    {"path": f"$[{index}].{name}", "message": "must be text or a number"}
                )
            else:
                values[name] = None if value is None else str(value).strip() or None
        problems += [
            {"path": f"$[{index}].{name}", "message": "is required"}
            for name in required
            if name not in item
        ]
        rows.append(Row(values, None, index))
    if problems:
        raise InvalidDocumentError("the upload", problems)
    return rows
