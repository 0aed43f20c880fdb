"""BI exports (`export` scope): CSV, NDJSON or Parquet, streamed page by page with constant
memory."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from service.api.declared import operation
from service.api.deps import (
    FeedSourcesDep,
    OrgDataDep,
    OutcomeReportsDep,
    OutcomesDep,
    PrincipalDep,
    SettingsDep,
    StatementsDep,
)
from service.api.outcome_params import described
from service.api.outcome_support import EXPORT, active_map, min_group, params_of
from service.api.response_encoding import accepts_gzip, gzipped
from service.model.errors import BadRequestError, ForbiddenError, NotFoundError
from service.outcomes import export, reports
from service.outcomes import params as p
from service.outcomes.engine import ActiveMap, OutcomeEngine
from service.outcomes.export import ExportFormat
from service.outcomes.export_schema import (
    ATTAINMENT_EXPORT_COLUMNS,
    EXPORTS,
    KPI_COLUMNS,
    KPI_OBSERVATION_COLUMNS,
    RATE_COLUMNS,
    ROSTER_EXPORT_COLUMNS,
    row_schema,
)
from service.outcomes.parquet_export import ParquetStream
from service.outcomes.roster import entry_json
from service.statements import feed
from service.statements.feed_cursor import FeedCursor
from service.store.ports import OrgDataStore, OutcomeReportStore
from service.tenancy import access
from service.tenancy.auth import Principal
from service.xapi.statement_params import STATEMENT_GET, Param

router = APIRouter(prefix="/exports", tags=["exports"])
PAGE = 1000
ENCODED = 250  # rows encoded at once when a whole answer is already in memory (the feed)


ENCODING_HEADERS = {
    "Content-Encoding": {
        "description": "gzip when the request's Accept-Encoding allows it (CSV and NDJSON)",
        "schema": {"type": "string", "enum": ["gzip"]},
    },
    "Vary": {"schema": {"type": "string"}},
}


def _typed_answer(name: str, headers: dict[str, Any] | None = None) -> dict[int | str, Any]:
    """The OpenAPI answer of an export: its row's column types (NDJSON lines; CSV has the same
    columns), and the schema's URL."""
    row = row_schema(name)
    schema = {"type": "object", "properties": row["properties"]}
    answer: dict[str, Any] = {
        "description": f"Rows; their JSON Schema is /exports/schema/{name}.json",
        "content": {
            "application/x-ndjson": {"schema": schema},
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        },
    }
    answer["headers"] = {**ENCODING_HEADERS, **(headers or {})}
    return {200: answer}


NEXT_CURSOR = {
    "X-Next-Cursor": {
        "description": "Where the next pull starts (the last row's cursor, or further)",
        "schema": {"type": "string"},
    }
}


def _require_whole_tenant(principal: Principal) -> None:
    """Aggregate exports summarise every statement of the tenant: not for a credential that
    may read only its own (`statements/read/mine`)."""
    principal.require(EXPORT)
    if access.export_authority(principal) is not None:
        raise ForbiddenError(
            "this export covers the whole tenant; statements/read/mine limits this credential"
            " to its own statements (only /exports/statements.* is open to it)"
        )


def _format(name: str) -> ExportFormat:
    if name == "csv":
        return "csv"
    if name == "ndjson":
        return "ndjson"
    if name == "parquet":
        return "parquet"
    raise NotFoundError("exports are .csv, .ndjson or .parquet")


def _stream(
    fmt: ExportFormat,
    name: str,
    columns: tuple[str, ...],
    chunks: AsyncIterator[list[dict[str, Any]]],
    request: Request,
) -> Response:
    """The rows as a streamed file; CSV and NDJSON gzipped when the client accepts it."""

    async def body() -> AsyncIterator[bytes]:
        if fmt == "parquet":
            parquet = ParquetStream(columns)
            async for rows in chunks:
                yield parquet.add(rows)
            yield parquet.close()
            return
        if fmt == "csv":
            yield export.csv_header(columns)
        async for rows in chunks:
            yield export.encode(fmt, columns, rows)

    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    content = body()
    if fmt != "parquet":
        headers["Vary"] = "Accept-Encoding"
        if accepts_gzip(request.headers.get("accept-encoding")):
            headers["Content-Encoding"] = "gzip"
            content = gzipped(content)
    return StreamingResponse(content, media_type=export.MEDIA_TYPES[fmt], headers=headers)


@router.get("/schema/{name}.json")
async def export_schema(name: str, principal: PrincipalDep) -> Response:
    """The JSON Schema of one row of an export or of the feed, versioned; columns are only
    ever appended."""
    principal.require(EXPORT)
    if name not in EXPORTS:
        raise NotFoundError(f"no export named {name!r}; there are: {', '.join(sorted(EXPORTS))}")
    return Response(orjson.dumps(row_schema(name)), media_type="application/schema+json")


ATTAINMENT_EXPORT_PARAMS = reports.ATTAINMENT_PARAMS - {"limit", "cursor", "evidence"}
FEED_OPERATION = (
    Param(
        "cursor",
        "Where to start: the X-Next-Cursor or a row's cursor of an earlier pull",
        {"type": "string", "pattern": "^([0-9a-f]{41})?$"},
    ),
    Param(
        "limit",
        "Rows at most (one more when a statement's void row goes with it)",
        {"type": "integer", "minimum": 1, "maximum": feed.MAX_LIMIT},
    ),
)
FEED_PARAMS = {param.name for param in FEED_OPERATION}


@router.get(
    "/feed.{fmt}",
    openapi_extra=operation(FEED_OPERATION),
    responses=_typed_answer("feed", NEXT_CURSOR),
)
async def export_feed(
    fmt: str, request: Request, sources: FeedSourcesDep, principal: PrincipalDep
) -> Response:
    """The change feed: rows committed after `cursor` in commit order, each with its own
    cursor; `X-Next-Cursor` is where the next pull starts (see service.statements.feed)."""
    _require_whole_tenant(principal)
    kind = _format(fmt)
    params = params_of(request)
    p.check_known(params, FEED_PARAMS)
    cursor = FeedCursor.parse(params.get("cursor"))
    limit = _feed_limit(params.get("limit"))
    page = await feed.pull(sources, principal.tenant, cursor, limit)
    response = _stream(kind, "feed", export.FEED_COLUMNS, _slices(page.rows), request)
    response.headers["X-Next-Cursor"] = page.next_cursor.encode()
    return response


def _feed_limit(text: str | None) -> int:
    if text is None or text == "":
        return feed.DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= feed.MAX_LIMIT:
        raise BadRequestError(f"limit: a whole number from 1 to {feed.MAX_LIMIT}")
    return int(text)


@router.get(
    "/statements.{fmt}",
    openapi_extra=operation(STATEMENT_GET),
    responses=_typed_answer("statements"),
)
async def export_statements(
    fmt: str, request: Request, statements: StatementsDep, principal: PrincipalDep
) -> Response:
    """One row per statement, with the filters of GET statements (SR-41); newest first unless
    ascending=true; `limit` caps the rows (0 or absent: all)."""
    principal.require(EXPORT)
    kind = _format(fmt)
    pages = await statements.export(principal, params_of(request))
    tenant = principal.tenant

    async def rows() -> AsyncIterator[list[dict[str, Any]]]:
        async for bodies in pages:
            yield [
                export.flatten_statement(orjson.loads(body), tenant, original)
                for body, original in bodies
            ]

    return _stream(kind, "statements", export.STATEMENT_COLUMNS, rows(), request)


@router.get("/attainments.{fmt}", openapi_extra=operation(described(ATTAINMENT_EXPORT_PARAMS)))
async def export_attainments(
    fmt: str,
    request: Request,
    store: OutcomeReportsDep,
    outcomes: OutcomesDep,
    principal: PrincipalDep,
) -> Response:
    """Every attainment matching the filters of GET /outcomes/attainments."""
    _require_whole_tenant(principal)
    kind = _format(fmt)
    params = params_of(request)
    p.check_known(params, ATTAINMENT_EXPORT_PARAMS)
    active = await active_map(outcomes, principal.tenant, params)
    query = reports.attainment_query(active, params, PAGE)
    first = await store.query_attainments(principal.tenant, query)

    async def pages() -> AsyncIterator[list[dict[str, Any]]]:
        rows = first
        while rows:
            out = []
            for row in rows:
                item = reports.attainment_json(active, row, evidence=False)
                ids = [s for proof in row.record.evidence for s in proof["statements"]]
                names = {"outcome_name": _outcome_name(active, row.record.outcome)}
                out.append({**item, "evidence_statements": " ".join(ids), **names})
            yield out
            if len(rows) < PAGE:
                return
            after = (rows[-1].record.outcome, rows[-1].record.learner)
            step = dataclasses.replace(query, after=after)
            rows = await store.query_attainments(principal.tenant, step)

    return _stream(kind, "attainments", ATTAINMENT_EXPORT_COLUMNS, pages(), request)


@router.get("/outcome-kpis.{fmt}", openapi_extra=operation(described(reports.KPI_PARAMS)))
async def export_kpi_table(
    fmt: str,
    request: Request,
    store: OutcomeReportsDep,
    org: OrgDataDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """The outcome x KPI table, each row with its link's correlation across units/periods;
    groups below the minimum group size are left out."""
    _require_whole_tenant(principal)
    kind = _format(fmt)
    floor = min_group(settings, principal)
    rows = await _kpi_rows(store, org, outcomes, principal.tenant, params_of(request), floor)
    return _stream(kind, "outcome-kpis", KPI_COLUMNS, _once(rows), request)


@router.get("/rates.{fmt}", openapi_extra=operation(described(reports.RATE_PARAMS, rates=True)))
async def export_rates(
    fmt: str,
    request: Request,
    store: OutcomeReportsDep,
    outcomes: OutcomesDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Attainment rates per org unit and period, as GET /outcomes/rates (groups below the
    minimum group size are left out)."""
    _require_whole_tenant(principal)
    kind = _format(fmt)
    params = params_of(request)
    active = await active_map(outcomes, principal.tenant, params)
    floor = min_group(settings, principal)
    report = await reports.rates(store, principal.tenant, active, params, floor)
    rows = [{**r, "outcome_name": _outcome_name(active, r["outcome"])} for r in report["rows"]]
    return _stream(kind, "rates", RATE_COLUMNS, _once(rows), request)


@router.get("/roster.{fmt}", responses=_typed_answer("roster"))
async def export_roster(
    fmt: str, request: Request, org: OrgDataDep, principal: PrincipalDep
) -> Response:
    """The current roster, one row per learner in learner order, with the date each entry
    holds from and the learner's identifier split for joins."""
    _require_whole_tenant(principal)
    kind = _format(fmt)
    p.check_known(params_of(request), set())
    first = await org.get_roster(principal.tenant, None, PAGE)

    async def pages() -> AsyncIterator[list[dict[str, Any]]]:
        entries = first
        while entries:
            yield [{**entry_json(e), **export.learner_identity(e.learner)} for e in entries]
            if len(entries) < PAGE:
                return
            entries = await org.get_roster(principal.tenant, entries[-1].learner, PAGE)

    return _stream(kind, "roster", ROSTER_EXPORT_COLUMNS, pages(), request)


@router.get(
    "/kpis.{fmt}", openapi_extra=operation(described({"map"})), responses=_typed_answer("kpis")
)
async def export_kpi_observations(
    fmt: str, request: Request, org: OrgDataDep, outcomes: OutcomesDep, principal: PrincipalDep
) -> Response:
    """Every KPI observation (KPI, org unit, period, value), with the KPI's name and unit from
    the outcome map `map` (default `default`) when one has been evaluated."""
    _require_whole_tenant(principal)
    kind = _format(fmt)
    params = params_of(request)
    p.check_known(params, {"map"})
    observations = await org.get_kpi_observations(principal.tenant)
    try:
        kpis = {
            k.id: k
            for k in (await active_map(outcomes, principal.tenant, params)).compiled.map.kpis
        }
    except NotFoundError:  # no map yet: the observations without names
        kpis = {}
    rows = [
        {
            "kpi": o.kpi,
            "kpi_name": kpis[o.kpi].name if o.kpi in kpis else None,
            "kpi_unit": kpis[o.kpi].unit if o.kpi in kpis else None,
            "org_unit": o.org_unit,
            "period": o.period,
            "value": o.value,
        }
        for o in observations
    ]
    return _stream(kind, "kpis", KPI_OBSERVATION_COLUMNS, _once(rows), request)


async def _kpi_rows(
    store: OutcomeReportStore,
    org: OrgDataStore,
    outcomes: OutcomeEngine,
    tenant: str,
    params: dict[str, str],
    floor: int,
) -> list[dict[str, Any]]:
    active = await active_map(outcomes, tenant, params)
    table = await reports.kpis(store, org, tenant, active, params, floor)
    by_link = {(c["outcome"], c["kpi"]): c for c in table.correlations}
    kpi_names = {kpi.id: kpi.name for kpi in active.compiled.map.kpis}
    return [
        {
            **row,
            "pearson_r": by_link[(row["outcome"], row["kpi"])]["pearson_r"],
            "n_cells": by_link[(row["outcome"], row["kpi"])]["n"],
            "outcome_name": _outcome_name(active, row["outcome"]),
            "kpi_name": kpi_names.get(row["kpi"]),
        }
        for row in table.rows
    ]


def _outcome_name(active: ActiveMap, outcome_id: str) -> str | None:
    outcome = active.compiled.map.outcome(outcome_id)
    return outcome.name if outcome is not None else None


async def _once(rows: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    yield rows


async def _slices(rows: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    """The rows in slices of ENCODED, so no more than a slice is ever encoded at once; each
    slice's rows are let go once sent."""
    while rows:
        head, rows[:ENCODED] = rows[:ENCODED], []
        yield head
