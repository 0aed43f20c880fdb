"""State, Activity Profile and Agent Profile (D-1..D-50): parse, one store call, answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from service.api.admission import settle_work
from service.api.bodies import check_declared_length, read_limited
from service.api.declared import DOCUMENT_BODY, JSONObject, operation
from service.api.deps import DocumentsDep, PrincipalDep, SettingsDep, VersionDep
from service.model.documents import Preconditions, WriteMode
from service.model.errors import NotFoundError
from service.settings import Settings
from service.store.ports import DocumentStore
from service.xapi.document_params import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    IF_MATCH,
    IF_NONE_MATCH,
    STATE,
    DocumentRequest,
    DocumentResource,
    document_params,
    parse_document_params,
)
from service.xapi.documents import (
    JSON_TYPE,
    etag_of,
    ids_body,
    is_json,
    new_write,
    preconditions_from_headers,
    put_policy,
    quoted,
)
from service.xapi.statement_params import unique_params
from service.xapi.timestamps import http_date

router = APIRouter(tags=["documents"], default_response_class=Response)


@dataclass(frozen=True, slots=True)
class _Route:
    path: str
    resource: DocumentResource
    scope: str  # the write scope; reads also accept all/read (AU-3)


_ROUTES = (
    _Route("/activities/state", STATE, "state"),
    _Route("/activities/profile", ACTIVITY_PROFILE, "profile"),
    _Route("/agents/profile", AGENT_PROFILE, "profile"),
)


def _parse(request: Request, route: _Route, version: str) -> DocumentRequest:
    params = unique_params(request.query_params.multi_items())
    return parse_document_params(route.resource, request.method, params, version)


def _preconditions(request: Request) -> Preconditions:
    """If-Match / If-None-Match, repeated headers joined as one list (T-16)."""
    headers = request.headers
    if_match = ", ".join(headers.getlist("if-match")) or None
    if_none_match = ", ".join(headers.getlist("if-none-match")) or None
    return preconditions_from_headers(if_match, if_none_match)


async def _get(
    request: Request, store: DocumentStore, tenant: str, route: _Route, version: str
) -> Response:
    """One document with ETag and Last-Modified (D-1, T-15, T-17), or the id list (D-9, D-22)."""
    parsed = _parse(request, route, version)
    if parsed.document_id is not None:
        document = await store.get_document(tenant, parsed.key)
        if document is None:
            raise NotFoundError(f"no document with {route.resource.id_param} {parsed.document_id}")
        headers = {
            "Content-Type": document.content_type,
            "ETag": quoted(document.etag),
            "Last-Modified": http_date(document.updated_ms),
        }
        return Response(document.content, headers=headers)
    listing = await store.list_documents(tenant, parsed.scope, since_ms=parsed.since_ms)
    body = ids_body(listing.ids)
    headers = {"ETag": quoted(etag_of(body))}
    if listing.newest_updated_ms is not None:
        headers["Last-Modified"] = http_date(listing.newest_updated_ms)
    return Response(body, media_type=JSON_TYPE, headers=headers)


async def _write(
    request: Request,
    store: DocumentStore,
    settings: Settings,
    tenant: str,
    route: _Route,
    version: str,
    mode: WriteMode,
    limit: int,
) -> Response:
    """PUT or POST one document; every decision happens atomically in the store (D-4..D-14).

    `limit` is the body size limit of the principal's tenant or credential (issue 5).
    """
    parsed = _parse(request, route, version)
    check_declared_length(request.headers.get("content-length"), limit)
    content = await read_limited(request.receive, limit)
    content_type = request.headers.get("content-type")
    settle_work(
        request.scope, content, parsed=mode is WriteMode.POST and is_json(content_type or "")
    )
    write = new_write(
        content,
        content_type,
        mode=mode,
        preconditions=_preconditions(request),
        policy=put_policy(route.resource.kind, version),
        max_depth=settings.max_json_depth,
        max_values=settings.max_json_values,
    )
    stored = await store.put_document(tenant, parsed.key, write)
    return Response(status_code=204, headers={"ETag": quoted(stored.etag)})


async def _delete(
    request: Request, store: DocumentStore, tenant: str, route: _Route, version: str
) -> Response:
    """Delete one document, or the whole State scope without stateId (D-13, D-23)."""
    parsed = _parse(request, route, version)
    preconditions = _preconditions(request)
    if parsed.document_id is None:
        await store.delete_documents(tenant, parsed.scope, preconditions)
    else:
        await store.delete_document(tenant, parsed.key, preconditions)
    return Response(status_code=204)


def _described(route: _Route, method: str, *, body: bool = False) -> JSONObject:
    """The parameters (and body) of one method, from the tuple its parser accepts."""
    params = document_params(route.resource, method)
    if method in ("GET", "HEAD"):
        return operation(params)
    return operation((*params, IF_MATCH, IF_NONE_MATCH), DOCUMENT_BODY if body else None)


_READ_OK: dict[int | str, dict[str, Any]] = {
    200: {"description": "The document, or the JSON array of ids without the id parameter"}
}
_STORED: dict[int | str, dict[str, Any]] = {204: {"description": "Stored"}}
_DELETED: dict[int | str, dict[str, Any]] = {204: {"description": "Deleted"}}


def _add_routes(route: _Route) -> None:
    reads = (route.scope, "all/read")
    name = route.resource.kind.name.lower()

    @router.get(
        route.path,
        name=f"get_{name}",
        responses=_READ_OK,
        openapi_extra=_described(route, "GET"),
    )
    @router.head(
        route.path,
        name=f"head_{name}",
        responses=_READ_OK,
        openapi_extra=_described(route, "HEAD"),
    )
    async def get_document(
        request: Request, store: DocumentsDep, principal: PrincipalDep, version: VersionDep
    ) -> Response:
        principal.require(*reads)
        return await _get(request, store, principal.tenant, route, version)

    @router.put(
        route.path,
        status_code=204,
        name=f"put_{name}",
        responses=_STORED,
        openapi_extra=_described(route, "PUT", body=True),
    )
    async def put_document(
        request: Request,
        store: DocumentsDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        version: VersionDep,
    ) -> Response:
        principal.require(route.scope)
        mode, limit = WriteMode.PUT, principal.limits.max_body_bytes
        return await _write(request, store, settings, principal.tenant, route, version, mode, limit)

    @router.post(
        route.path,
        status_code=204,
        name=f"post_{name}",
        responses=_STORED,
        openapi_extra=_described(route, "POST", body=True),
    )
    async def post_document(
        request: Request,
        store: DocumentsDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        version: VersionDep,
    ) -> Response:
        principal.require(route.scope)
        mode, limit = WriteMode.POST, principal.limits.max_body_bytes
        return await _write(request, store, settings, principal.tenant, route, version, mode, limit)

    @router.delete(
        route.path,
        status_code=204,
        name=f"delete_{name}",
        responses=_DELETED,
        openapi_extra=_described(route, "DELETE"),
    )
    async def delete_document(
        request: Request, store: DocumentsDep, principal: PrincipalDep, version: VersionDep
    ) -> Response:
        principal.require(route.scope)
        return await _delete(request, store, principal.tenant, route, version)


for _route in _ROUTES:
    _add_routes(_route)
