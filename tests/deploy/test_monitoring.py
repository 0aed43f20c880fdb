"""The shipped monitoring: alert rules, dashboard and scrape config match what the LRS exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import BASIC
from tests.deploy.files import DEPLOY, yaml_documents
from tests.ops.support import plain_client

MONITORING = DEPLOY / "monitoring"
METRIC_NAME = re.compile(r"\b(?:lrs|process)_[a-z0-9_]+\b")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}


def rule_expressions() -> Iterator[str]:
    [rules] = yaml_documents(MONITORING / "alerts.yml")
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield rule["expr"]


def panel_expressions() -> Iterator[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            yield target["expr"]


def named_metrics(expressions: Iterator[str]) -> set[str]:
    return {name for expr in expressions for name in METRIC_NAME.findall(expr)}


def exported_names(text: str) -> set[str]:
    """Every series name the exposition can carry, labelled families without series included."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


async def test_every_metric_of_the_rules_and_dashboard_is_exported(app: FastAPI) -> None:
    async with plain_client(app) as plain:
        scraped = await plain.get("/metrics", headers={"Authorization": BASIC})
    assert scraped.status_code == 200
    exported = exported_names(scraped.text)
    in_rules, in_panels = named_metrics(rule_expressions()), named_metrics(panel_expressions())
    assert len(in_rules) >= 10
    assert len(in_panels) >= 20
    assert in_rules - exported == set()
    assert in_panels - exported == set()


def test_the_scrape_config_sends_a_credential() -> None:
    [config] = yaml_documents(MONITORING / "prometheus.yml")
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    auth: dict[str, Any] = job["basic_auth"]
    assert auth["username"]
    assert auth["password_file"]
    assert config["rule_files"] == ["alerts.yml"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool absent: make promtool")
def test_promtool_accepts_the_rules_and_the_config() -> None:
    for command in (
        ["check", "rules", "alerts.yml"],
        ["check", "config", "prometheus.yml"],
        ["test", "rules", "alerts.test.yml"],  # dead letters and old secrets do alert
    ):
        checked = subprocess.run(
            ["promtool", *command], cwd=MONITORING, capture_output=True, text=True, timeout=60
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
