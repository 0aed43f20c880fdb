"""Outcome edits: the map editor (validate, then install) and roster/KPI uploads, every
problem shown at its path or line before anything is stored."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData, UploadFile

from service.console.outcome_access import outcomes_of
from service.console.web import BASE, MAX_FORM_BYTES, ConsoleRoute, FormDep, SessionDep, render
from service.model.clock import now_ms
from service.model.errors import BadRequestError, LRSError
from service.outcomes.kpi import parse_kpis
from service.outcomes.kpi_import import KpiUpload, import_kpis
from service.outcomes.maps import YAML_TYPES, load_document, validate_map
from service.outcomes.preview import preview_map
from service.outcomes.problems import InvalidDocumentError
from service.outcomes.roster import parse_roster, roster_import

router = APIRouter(prefix=f"{BASE}/outcomes", route_class=ConsoleRoute, include_in_schema=False)
WRITE = "outcomes/write"


@router.get("/map")
async def get_map_editor(request: Request, session: SessionDep) -> Response:
    outcomes = outcomes_of(request, session)
    versions = await outcomes.engine.versions(outcomes.tenant)
    text = ""
    if versions:
        text = orjson.dumps(versions[-1].document, option=orjson.OPT_INDENT_2).decode()
    return _editor(request, session, {"text": text, "versions": versions})


@router.post("/map")
async def post_map(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Validate the map (JSON or YAML); with `install`, store it as a new version."""
    outcomes = outcomes_of(request, session)
    session.principal.require(WRITE)
    text = str(form.get("document") or "")
    media = YAML_TYPES[0] if form.get("syntax") == "yaml" else "application/json"
    context: dict[str, Any] = {"text": text, "syntax": form.get("syntax") or "json"}
    try:
        outcome_map = validate_map(load_document(text.encode(), media))
    except InvalidDocumentError as exc:
        context["problems"] = exc.problems
        return _editor(request, session, context, status=400)
    except BadRequestError as exc:
        context["problems"] = [{"path": "$", "message": exc.message}]
        return _editor(request, session, context, status=400)
    context["valid"] = f"The map is valid: {len(outcome_map.outcomes)} outcomes."
    context["preview"] = await preview_map(outcomes.evaluation, outcomes.tenant, outcome_map)
    if form.get("action") == "install":
        version = await outcomes.engine.install_map(outcomes.tenant, outcome_map)
        context["valid"] += f" Installed as version {version.version}; evaluation has started."
    context["versions"] = await outcomes.engine.versions(outcomes.tenant)
    return _editor(request, session, context)


def _editor(
    request: Request, session: SessionDep, context: dict[str, Any], status: int = 200
) -> Response:
    values = {
        "problems": [], "valid": None, "syntax": "json", "versions": [], "preview": None,
        **context,
    }  # fmt: skip
    return render(request, "map.html", values, session=session, status=status)


@router.get("/upload")
async def get_upload(request: Request, session: SessionDep) -> Response:
    outcomes_of(request, session)
    return render(request, "upload.html", _upload_context(), session=session)


@router.post("/upload")
async def post_upload(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Check a roster or KPI CSV line by line; store it only when it has no problem."""
    outcomes = outcomes_of(request, session)
    session.principal.require(WRITE)
    kind = "kpis" if form.get("kind") == "kpis" else "roster"
    body = await _upload_body(form)
    context = _upload_context(kind=kind, text=body.decode("utf-8", "replace"))
    try:
        parsed: list[Any] = (
            parse_kpis(body, "text/csv") if kind == "kpis" else parse_roster(body, "text/csv")
        )
    except InvalidDocumentError as exc:
        context["problems"] = exc.problems
        return render(request, "upload.html", context, session=session, status=400)
    except LRSError as exc:
        context["problems"] = [{"message": exc.message}]
        return render(request, "upload.html", context, session=session, status=400)
    replace = form.get("mode") == "replace"
    if form.get("action") == "store":
        if kind == "kpis":
            try:
                stored = await import_kpis(
                    outcomes.org, outcomes.tenant, body, "text/csv", KpiUpload(replace=replace)
                )
            except InvalidDocumentError as exc:  # units not in the roster, mixed granularity
                context["problems"] = exc.problems
                return render(request, "upload.html", context, session=session, status=400)
            count = stored["imported"]
        else:
            effective = roster_import(None, now_ms())
            count = await outcomes.org.put_roster(
                outcomes.tenant, parsed, replace=replace, effective=effective
            )
        context["stored"] = count
    else:
        context["checked"] = len(parsed)
    return render(request, "upload.html", context, session=session)


async def _upload_body(form: FormData) -> bytes:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        body = await upload.read(MAX_FORM_BYTES + 1)
        if len(body) > MAX_FORM_BYTES:
            raise BadRequestError("the file is too large")
        return body
    return str(form.get("text") or "").encode()


def _upload_context(**values: Any) -> dict[str, Any]:
    return {"kind": "roster", "text": "", "problems": [], "checked": None, "stored": None, **values}
