"""The audit log over HTTP: GET /admin/audit, newest first, filtered (issue 20)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.api.admin import ActorDep, json_response
from service.api.declared import operation
from service.tenancy.admin.audit import MAX_LIMIT, audit_json, list_audit, parse_audit_query
from service.xapi.statement_params import Param

router = APIRouter(prefix="/admin", tags=["admin"])
INTEGER = {"type": "integer", "minimum": 0}
TIMESTAMP = {"type": "string", "format": "date-time"}
AUDIT_PARAMS = (
    Param("tenant", "Only this tenant's events (a tenant admin sees only their own)"),
    Param("actor", "Only events of actors starting with this (credential:KEY, cli:USER)"),
    Param("action", "Only actions starting with this (credential., tenant.create)"),
    Param("since", "Only events at or after this instant (ISO 8601)", TIMESTAMP),
    Param("until", "Only events before this instant (ISO 8601)", TIMESTAMP),
    Param("before", "Only events with a smaller id (the next page)", INTEGER),
    Param("limit", f"At most this many (absent or 0: 100; at most {MAX_LIMIT})", INTEGER),
)


@router.get("/audit", openapi_extra=operation(AUDIT_PARAMS))
async def get_audit(request: Request, actor: ActorDep) -> Response:
    """Administrative actions, newest first: who, what, tenant, when, from where, outcome."""
    query = parse_audit_query({p.name: request.query_params.get(p.name) for p in AUDIT_PARAMS})
    entries = await list_audit(actor, query)
    body: dict[str, object] = {"events": [audit_json(entry) for entry in entries]}
    if len(entries) == query.limit:
        body["next_before"] = entries[-1].id
    return json_response(body)
