"""Tenant isolation of maps, evaluation, roster, KPIs, queries and exports."""

from __future__ import annotations

import base64

import httpx
from fastapi import FastAPI

from service.tenancy.auth import new_credential
from service.tenancy.scopes import EVERY_SCOPE
from tests.outcomes.support import (
    PASSED,
    attainments,
    one_outcome_map,
    passed,
    post_statements,
    put_map,
    settle,
)
from tests.tenancy_support import add_tenant


async def test_tenants_see_only_their_own_outcome_data(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    await add_tenant(app, "acme")
    other = new_credential(name="other", tenant="acme", scopes=EVERY_SCOPE)
    await app.state.runtime.store.accounts.add_credential(other.record)
    token = base64.b64encode(f"{other.key}:{other.secret}".encode()).decode()
    acme = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://lrs.test",
        headers={"Authorization": f"Basic {token}"},
    )
    async with acme:
        await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
        await api.put("/outcomes/roster", json=[{"learner": "ann@example.org", "team": "A"}])
        await api.put(
            "/outcomes/kpis",
            json=[{"kpi": "revenue", "org_unit": "A", "period": "2026", "value": 1}],
        )
        await post_statements(api, passed("ann"))
        await post_statements(acme, passed("zoe"))
        assert [a["learner"] for a in await attainments(api)] == ["mailto:ann@example.org"]
        assert (await acme.get("/outcomes")).status_code == 404
        assert (await acme.get("/outcomes/map")).status_code == 404
        assert (await acme.get("/outcomes/roster")).json() == {"entries": []}
        assert (await acme.get("/outcomes/kpis")).json() == {"observations": []}
        await put_map(acme, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
        await settle(acme)
        assert [a["learner"] for a in await attainments(acme)] == ["mailto:zoe@example.org"]
        export = await acme.get("/exports/statements.ndjson")
        assert export.text.count("\n") == 1
        assert '"tenant":"acme"' in export.text
        assert [a["learner"] for a in await attainments(api)] == ["mailto:ann@example.org"]
