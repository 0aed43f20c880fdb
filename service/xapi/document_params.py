"""Query parameters of the three document resources (D-7, D-20, D-22, D-30, D-40, T-12, X-24)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from service.model.documents import DocumentKey, DocumentKind, DocumentScope
from service.model.errors import BadRequestError
from service.xapi.agent_param import parse_agent_parameter
from service.xapi.agents import agent_key
from service.xapi.datatypes import is_iri, is_uuid
from service.xapi.statement_params import (
    IRI,
    TIMESTAMP,
    UUID,
    Param,
    names,
    parse_time_parameter,
)
from service.xapi.versions import is_v2


@dataclass(frozen=True, slots=True)
class DocumentResource:
    """What one document resource takes: its id parameter and the parts of its key."""

    kind: DocumentKind
    id_param: str
    activity: bool
    agent: bool
    registration: bool
    delete_all: bool  # DELETE without the id deletes the whole scope (D-23)


STATE = DocumentResource(DocumentKind.STATE, "stateId", True, True, True, True)
ACTIVITY_PROFILE = DocumentResource(
    DocumentKind.ACTIVITY_PROFILE, "profileId", True, False, False, False
)
AGENT_PROFILE = DocumentResource(DocumentKind.AGENT_PROFILE, "profileId", False, True, False, False)


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """Validated parameters: a scope, and the document id when one was given."""

    scope: DocumentScope
    document_id: str | None
    since_ms: int | None = None

    @property
    def key(self) -> DocumentKey:
        if self.document_id is None:
            raise ValueError("this request names no single document")
        return DocumentKey(self.scope, self.document_id)


READS = frozenset({"GET", "HEAD"})
IF_MATCH = Param("If-Match", "Write only if the ETag matches (T-16)", where="header")
IF_NONE_MATCH = Param("If-None-Match", "Write only if absent, with * (T-16)", where="header")


def id_required(resource: DocumentResource, method: str) -> bool:
    """The id is required for PUT and POST, and for DELETE without delete-all (D-22, D-23)."""
    return not (method in READS or (method == "DELETE" and resource.delete_all))


@cache
def document_params(resource: DocumentResource, method: str) -> tuple[Param, ...]:
    """The query parameters one resource takes for one method (D-7, D-20, D-30, D-40);
    `since` on reads only."""
    params: list[Param] = []
    if resource.activity:
        params.append(Param("activityId", "The activity's IRI", IRI, required=True))
    if resource.agent:
        params.append(Param("agent", "The Agent (JSON)", required=True, json_model="Actor"))
    if resource.registration:
        params.append(Param("registration", "The registration", UUID))
    required = id_required(resource, method)
    params.append(Param(resource.id_param, "The document id", required=required))
    if method in READS:
        params.append(Param("since", "Only ids updated after", TIMESTAMP))
    return tuple(params)


def parse_document_params(
    resource: DocumentResource, method: str, params: dict[str, str], version: str
) -> DocumentRequest:
    """Validate the (already de-duplicated) parameters of one request; 400 on any problem."""
    unknown = sorted(set(params) - names(document_params(resource, method)))
    if unknown:
        raise BadRequestError(f"unknown parameter {unknown[0]!r}")
    document_id = params.get(resource.id_param)
    if document_id is None and id_required(resource, method):
        raise BadRequestError(f"the {resource.id_param} parameter is required")
    if document_id == "":
        raise BadRequestError(f"{resource.id_param} must not be empty")
    scope = DocumentScope(
        kind=resource.kind,
        activity_id=_activity_id(params) if resource.activity else "",
        agent=_agent(params, version, resource.kind) if resource.agent else "",
        registration=_registration(params.get("registration")),
    )
    since = params.get("since")
    since_ms = None if since is None else parse_time_parameter(since, "since", version)
    return DocumentRequest(scope, document_id, since_ms)


def _activity_id(params: dict[str, str]) -> str:
    value = params.get("activityId")
    if value is None:
        raise BadRequestError("the activityId parameter is required")
    if not is_iri(value):
        raise BadRequestError("activityId must be an IRI")
    return value


def _agent(params: dict[str, str], version: str, kind: DocumentKind) -> str:
    """The normalized key of the `agent` parameter (D-8); 2.0 State also takes a Group (X-24)."""
    value = params.get("agent")
    if value is None:
        raise BadRequestError("the agent parameter is required")
    allow_group = kind is DocumentKind.STATE and is_v2(version)
    key = agent_key(parse_agent_parameter(value, version, allow_identified_group=allow_group))
    if key is None:
        raise BadRequestError("agent must identify an Agent")
    return key


def _registration(value: str | None) -> str | None:
    if value is None:
        return None
    if not is_uuid(value):
        raise BadRequestError("registration must be a UUID")
    return value.lower()
