"""Exports as Parquet, typed from the export's JSON Schema, streamed one row group per page.

Warehouses (BigQuery, Snowflake, DuckDB, Power BI) load Parquet natively with its types, and
a column store of repetitive statements is a fraction of the CSV. The writer emits each page
as a row group and hands back the bytes written so far, so memory holds one page, not the
file; the footer comes with `close`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from service.outcomes.export_schema import column_schema

MEDIA_TYPE = "application/vnd.apache.parquet"


def arrow_type(column: str) -> pa.DataType:
    """The Arrow type of a column, from its JSON Schema."""
    schema = column_schema(column)
    kind = schema["type"][0]
    if kind == "boolean":
        return pa.bool_()
    if kind == "number":
        return pa.float64()
    if kind == "integer":
        return pa.int64()
    if schema.get("format") == "date-time":
        return pa.timestamp("ms", tz="UTC")
    if schema.get("format") == "date":
        return pa.date32()
    return pa.string()


class _Sink(io.RawIOBase):
    """A write-only file that keeps what was written until it is drained."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


class ParquetStream:
    """Rows in, Parquet bytes out: `add` per page, then `close` for the footer."""

    def __init__(self, columns: Iterable[str]) -> None:
        self._columns = list(columns)
        self._schema = pa.schema([pa.field(c, arrow_type(c)) for c in self._columns])
        self._sink = _Sink()
        self._writer = pq.ParquetWriter(
            pa.PythonFile(self._sink, mode="w"), self._schema, compression="zstd"
        )

    def add(self, rows: list[dict[str, Any]]) -> bytes:
        if rows:
            arrays = [
                pa.array([_value(row.get(f.name), f.type) for row in rows], type=f.type)
                for f in self._schema
            ]
            self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        return self._sink.drain()

    def close(self) -> bytes:
        self._writer.close()
        return self._sink.drain()


def _value(value: Any, kind: pa.DataType) -> Any:
    """A row's value as the column's Arrow type takes it (instants and dates from their text)."""
    if value is None:
        return None
    if pa.types.is_timestamp(kind):
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    if pa.types.is_date32(kind):
        return datetime.fromisoformat(value).date() if isinstance(value, str) else value
    if pa.types.is_floating(kind) and isinstance(value, bool | int):
        return float(value)
    if pa.types.is_string(kind) and not isinstance(value, str):
        return str(value)
    return value
