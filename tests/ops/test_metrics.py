"""The Prometheus endpoint: every metric is exported and moves with the traffic (issue 7)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from tests.builders import statement
from tests.conftest import BASIC, KEY, client_for, make_settings
from tests.ops.support import plain_client
from tests.outcomes.support import PASSED, one_outcome_map, passed, post_statements, put_map, settle

NAMES = (
    "lrs_build_info",
    "lrs_http_requests",
    "lrs_http_request_duration_seconds",
    "lrs_http_requests_in_flight",
    "lrs_http_requests_rejected",
    "lrs_statements_ingested",
    "lrs_statement_batch_size",
    "lrs_store_write_seconds",
    "lrs_store_group_commit_jobs",
    "lrs_store_write_failures",
    "lrs_outbox_depth",
    "lrs_forwarding_failures",
    "lrs_outcome_evaluation_seconds",
    "lrs_signin_refused",
    "lrs_signin_throttled",
    "lrs_signin_check_seconds",
    "lrs_quota_refused",
    "lrs_credential_previous_secret_uses",
    "lrs_outcome_backlog_statements",
    "lrs_outcome_lag_seconds",
    "lrs_forwarding_dead_letters",
    "lrs_store_size_bytes",
    "process_resident_memory_bytes",
)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def _metrics(app: FastAPI) -> str:
    async with plain_client(app) as plain:
        response = await plain.get("/metrics", headers={"Authorization": BASIC})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_every_metric_is_exported(app: FastAPI) -> None:
    families = {family.name for family in text_string_to_metric_families(await _metrics(app))}
    assert set(NAMES) <= families


async def test_metrics_move_after_requests(app: FastAPI) -> None:
    before = await _metrics(app)
    async with client_for(app, "2.0.0") as client:
        posted = await client.post("/xapi/statements", json=[statement() for _ in range(3)])
        assert posted.status_code == 200
        assert (await client.put("/xapi/statements", json=statement())).status_code == 400
    async with client_for(app, "2.0.0", auth=False) as anonymous:
        assert (await anonymous.get("/xapi/statements")).status_code == 401
    async with client_for(app, None) as unversioned:
        assert (await unversioned.get("/xapi/statements")).status_code == 400
    after = await _metrics(app)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    posted_labels = {"method": "POST", "route": "/xapi/statements", "status": "200"}
    assert moved("lrs_http_requests_total", **posted_labels) == 1
    assert moved("lrs_http_request_duration_seconds_count", **posted_labels) == 1
    assert moved("lrs_statements_ingested_total", tenant="default", credential=KEY) == 3
    assert moved("lrs_statement_batch_size_count") == 1
    assert moved("lrs_statement_batch_size_sum") == 3
    if app.state.runtime.store.kind == "sqlite":  # adapters that report their writes
        assert moved("lrs_store_write_seconds_count") >= 1
        assert moved("lrs_store_group_commit_jobs_sum") >= 1
    assert moved("lrs_http_requests_rejected_total", reason="400") == 2
    assert moved("lrs_http_requests_rejected_total", reason="401") == 1
    assert value(after, "process_resident_memory_bytes") > 0


async def test_unrouted_paths_share_one_label(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as client:
        for n in range(3):
            assert (await client.get(f"/no/such/path/{n}")).status_code == 404
    text = await _metrics(app)
    assert (
        value(text, "lrs_http_requests_total", method="GET", route="unmatched", status="404") == 3
    )
    assert "/no/such/path" not in text


async def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    first = create_app(make_settings(tmp_path / "a"))
    second = create_app(make_settings(tmp_path / "b"))
    assert first.state.runtime.metrics.registry is not second.state.runtime.metrics.registry


async def test_metrics_need_the_metrics_scope_by_default(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as client:
        issued = await client.post(
            "/admin/credentials", json={"name": "lms", "scopes": ["statements/write"]}
        )
        scraper = await client.post(
            "/admin/credentials", json={"name": "prometheus", "scopes": ["metrics"]}
        )
    lms, prometheus = issued.json(), scraper.json()
    async with plain_client(app) as plain:
        anonymous = await plain.get("/metrics")
        lacking = await plain.get("/metrics", auth=(lms["key"], lms["secret"]))
        allowed = await plain.get("/metrics", auth=(prometheus["key"], prometheus["secret"]))
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert lacking.status_code == 403
    assert allowed.status_code == 200
    assert "lrs_store_size_bytes" in allowed.text


async def test_an_explicit_setting_opens_metrics(tmp_path: Path) -> None:
    application = create_app(make_settings(tmp_path, metrics_open=True))
    async with application.router.lifespan_context(application), plain_client(application) as plain:
        response = await plain.get("/metrics")
    assert response.status_code == 200
    assert value(response.text, "lrs_store_size_bytes") > 0


async def test_series_carry_the_key_so_equal_names_never_merge(app: FastAPI) -> None:
    async with client_for(app, "2.0.0") as client:
        issued = await client.post("/admin/credentials", json={"name": "lms", "scopes": ["all"]})
    lms = issued.json()
    async with client_for(app, "2.0.0", auth=False) as other:
        posted = await other.post(
            "/xapi/statements", json=statement(), auth=(lms["key"], lms["secret"])
        )
    assert posted.status_code == 200
    text = await _metrics(app)
    assert (
        value(text, "lrs_statements_ingested_total", tenant="default", credential=lms["key"]) == 1
    )
    assert 'credential="lms"' not in text


async def test_quota_refusals_are_counted_per_key(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        rate_limit_per_second=0.001,
        rate_limit_burst=1,
        quota_shared=False,  # this process's buckets, so forgetting one lets the scrape through
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        async with client_for(application, "2.0.0") as client:
            statuses = [(await client.get("/xapi/statements")).status_code for _ in range(3)]
        assert statuses == [200, 429, 429]
        application.state.runtime.tenancy.limiter.forget(KEY)  # let the scrape itself through
        text = await _metrics(application)
    assert value(text, "lrs_quota_refused_total", tenant="default", credential=KEY) == 2


async def test_metrics_can_require_a_scope(tmp_path: Path) -> None:
    application = create_app(make_settings(tmp_path, metrics_scope="all/read"))
    async with application.router.lifespan_context(application), plain_client(application) as plain:
        refused = await plain.get("/metrics")
        allowed = await plain.get("/metrics", headers={"Authorization": BASIC})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Basic")
    assert allowed.status_code == 200
    assert "lrs_http_requests_total" in allowed.text


async def test_outcome_evaluation_time_and_backlog_are_recorded(tmp_path: Path) -> None:
    application = create_app(make_settings(tmp_path))
    async with application.router.lifespan_context(application):
        async with client_for(application, None) as api:
            await post_statements(api, passed("ann"), passed("bob"))
            await put_map(api, one_outcome_map({"all": [{"verbs": [PASSED]}]}))
            await settle(api)
        text = await _metrics(application)
    assert value(text, "lrs_outcome_evaluation_seconds_count") >= 1
    assert value(text, "lrs_outcome_backlog_statements", tenant="default") == 0
    assert value(text, "lrs_outcome_lag_seconds", tenant="default") == 0
