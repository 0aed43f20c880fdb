"""Operations for IT (`admin` own tenant, `operator` every tenant): tenants, credentials,
forwarding targets and dead letters, readiness, version and store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from schemas.admin import CredentialIn, TenantIn
from service import __version__
from service.api.deps import client_address, get_access_change, runtime_of
from service.console.web import BASE, ConsoleRoute, FormDep, SessionDep, render
from service.model.errors import BadRequestError
from service.ops.health import evaluate
from service.tenancy.admin import credentials, forwarding, tenants
from service.tenancy.admin.actor import AdminActor, principal_actor
from service.tenancy.admin.inputs import describe
from service.tenancy.scopes import ALL_SCOPES, SCOPE_HELP
from service.tenancy.services import default_limits
from service.tenancy.sessions import ActiveSession

router = APIRouter(prefix=f"{BASE}/operations", route_class=ConsoleRoute, include_in_schema=False)


async def _actor(request: Request, session: ActiveSession) -> AdminActor:
    """The signed-in person as an admin actor; 403 without `admin` or `operator`."""
    runtime = runtime_of(request)
    on_change = await get_access_change(request)
    return principal_actor(
        session.principal, on_change, runtime.store.audit, client_address(request)
    )


@router.get("")
async def get_operations(request: Request, session: SessionDep) -> Response:
    return await _page(request, session, {})


async def _page(
    request: Request, session: ActiveSession, extra: dict[str, Any], status: int = 200
) -> Response:
    actor = await _actor(request, session)
    runtime = runtime_of(request)
    store = runtime.store
    defaults = default_limits(runtime.settings)
    tenant_list = await tenants.list_tenants(store.accounts, actor)
    keys = await credentials.list_credentials(store.accounts, actor)
    targets = []
    for tenant in [t.name for t in tenant_list]:
        if actor.tenant in (None, tenant):
            targets += await forwarding.list_targets(store.outbox, actor, tenant)
    readiness = await evaluate(runtime.readiness_checks, runtime.settings.ready_timeout)
    context = {
        "actor": actor,
        "tenants": [tenants.tenant_json(t, defaults) for t in tenant_list],
        "credentials": [credentials.credential_json(c) for c in keys],
        "targets": [forwarding.target_json(t) for t in targets],
        "readiness": readiness,
        "release": __version__,
        "store_kind": store.kind,
        "scopes": [(scope, SCOPE_HELP[scope]) for scope in ALL_SCOPES],
        "issued": None,
        "problem": None,
        **extra,
    }
    return render(request, "operations.html", context, session=session, status=status)


@router.post("/credentials")
async def post_credential(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Create a credential; its secret is shown on this answer only."""
    actor = await _actor(request, session)
    runtime = runtime_of(request)
    try:
        body = CredentialIn(
            name=str(form.get("name") or ""),
            scopes=[str(s) for s in form.getlist("scopes")],
            tenant=str(form.get("tenant") or "") or None,
        )
    except ValidationError as exc:
        raise BadRequestError(describe(exc)) from None
    issued = await credentials.create_credential(
        runtime.store.accounts, actor, body, default_limits(runtime.settings)
    )
    shown = {"key": issued.key, "secret": issued.secret, "name": issued.record.name}
    return await _page(request, session, {"issued": shown}, status=201)


@router.post("/credentials/{key}/rotate")
async def post_rotation(key: str, request: Request, session: SessionDep, form: FormDep) -> Response:
    """After a confirmation: the old secret stops working at once, wherever it is in use."""
    actor = await _actor(request, session)
    accounts = runtime_of(request).store.accounts
    if form.get("confirm") != "yes":
        record = await credentials.get_credential(accounts, actor, key)
        question = f"Rotate the secret of “{record.name}” ({record.key})?"
        warning = (
            "The current secret stops working at once: every platform using it needs the new one."
        )
        return _confirm(request, session, question, warning, {}, "Rotate the secret")
    secret = await credentials.rotate_secret(accounts, actor, key)
    shown = {"key": secret.key, "secret": secret.secret, "name": secret.record.name}
    return await _page(request, session, {"issued": shown})


@router.post("/credentials/{key}/enabled")
async def post_enabled(key: str, request: Request, session: SessionDep, form: FormDep) -> Response:
    actor = await _actor(request, session)
    accounts = runtime_of(request).store.accounts
    enabled = form.get("enabled") == "true"
    if not enabled and form.get("confirm") != "yes":
        record = await credentials.get_credential(accounts, actor, key)
        question = f"Disable “{record.name}” ({record.key})?"
        warning = "Its requests are refused with 401 until it is enabled again."
        return _confirm(request, session, question, warning, {"enabled": "false"}, "Disable")
    await credentials.set_enabled(accounts, actor, key, enabled)
    return RedirectResponse(f"{BASE}/operations#credentials", status_code=303)


@router.post("/tenants")
async def post_tenant(request: Request, session: SessionDep, form: FormDep) -> Response:
    actor = await _actor(request, session)
    runtime = runtime_of(request)
    try:
        body = TenantIn(name=str(form.get("name") or "").strip())
    except ValidationError as exc:
        raise BadRequestError(describe(exc)) from None
    await tenants.create_tenant(
        runtime.store.accounts, actor, body, default_limits(runtime.settings)
    )
    return RedirectResponse(f"{BASE}/operations#tenants", status_code=303)


@router.get("/targets/{target_id}/dead-letters")
async def get_dead_letters(
    target_id: int, tenant: str, request: Request, session: SessionDep
) -> Response:
    """The statements a target gave up on, newest attempts' errors included."""
    actor = await _actor(request, session)
    store = runtime_of(request).store.outbox
    letters = await forwarding.dead_letters(store, actor, tenant, target_id)
    context = {
        "tenant": tenant,
        "target_id": target_id,
        "letters": [forwarding.dead_letter_json(letter) for letter in letters],
    }
    return render(request, "dead_letters.html", context, session=session)


@router.post("/targets/{target_id}/requeue")
async def post_requeue(
    target_id: int, request: Request, session: SessionDep, form: FormDep
) -> Response:
    """Put a target's dead letters back in its queue."""
    actor = await _actor(request, session)
    tenant = str(form.get("tenant") or session.principal.tenant)
    await forwarding.requeue(runtime_of(request).store.outbox, actor, tenant, target_id)
    return RedirectResponse(f"{BASE}/operations#forwarding", status_code=303)


def _confirm(
    request: Request,
    session: ActiveSession,
    question: str,
    warning: str,
    fields: dict[str, str],
    button: str,
) -> Response:
    """A page asking to confirm a change that cannot be taken back from the console."""
    context = {
        "question": question,
        "warning": warning,
        "action": request.url.path,
        "fields": fields,
        "button": button,
    }
    return render(request, "confirm.html", context, session=session)
