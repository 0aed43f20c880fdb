"""Tables as CSV downloads: UTF-8 with a BOM, so spreadsheet programs read "Zürich" right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Response

from service.outcomes import export

BOM = "\ufeff".encode()


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """A table's columns: the keys of its rows, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def csv_download(
    rows: list[dict[str, Any]], name: str, columns: Sequence[str] | None = None
) -> Response:
    """The rows as a CSV attachment (columns: the rows' own keys unless given); formula-like
    text is neutralised (OWASP CSV injection)."""
    columns = columns_of(rows) if columns is None else columns
    body = BOM + export.csv_header(columns) + export.csv_rows(columns, rows)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
