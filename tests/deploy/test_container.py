"""The Dockerfile and the compose file (no Docker engine here: they are parsed, not run)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI

from tests.deploy.files import DEPLOY, lrs_names_in, setting_names, yaml_documents
from tests.ops.support import plain_client


def _instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_is_slim_non_root_and_health_checked() -> None:
    steps = _instructions()
    bases = [arg for op, arg in steps if op == "FROM"]
    assert all(base.startswith("python:${PYTHON_VERSION}-slim") for base in bases)
    assert ("ARG", "PYTHON_VERSION=3.11") in steps
    users = [arg for op, arg in steps if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    [health] = [arg for op, arg in steps if op == "HEALTHCHECK"]
    assert "/healthz" in health
    [cmd] = [arg for op, arg in steps if op == "CMD"]
    assert cmd == '["python", "-m", "service", "serve"]'
    assert lrs_names_in(DEPLOY / "Dockerfile") <= setting_names()


def _services() -> Any:
    [compose] = yaml_documents(DEPLOY / "compose.yaml")
    return compose["services"]


def test_compose_store_url_names_the_replica_set_it_starts() -> None:
    services = _services()
    environment = services["lrs"]["environment"]
    url = urlsplit(environment["LRS_STORE_URL"])
    assert url.scheme == "mongodb"
    hosts = url.netloc.split(",")
    [replica_set] = parse_qs(url.query)["replicaSet"]
    assert len(hosts) == 3
    for host in hosts:
        name, port = host.split(":")
        assert port == "27017"
        command = services[name]["command"]
        assert command == ["mongod", "--replSet", replica_set, "--bind_ip_all"]
    init = services["mongo-init"]
    script = init["command"][-1]
    members = re.findall(r'host: "([^"]+)"', script)
    assert sorted(members) == sorted(hosts)
    assert f'_id: "{replica_set}"' in script
    assert set(init["depends_on"]) == {h.split(":")[0] for h in hosts}
    assert services["lrs"]["depends_on"] == {
        "mongo-init": {"condition": "service_completed_successfully"}
    }


def test_compose_uses_only_real_settings() -> None:
    services = _services()
    environment = services["lrs"]["environment"]
    assert set(environment) <= setting_names()
    assert lrs_names_in(DEPLOY / "compose.yaml") <= setting_names()
    grace = int(str(services["lrs"]["stop_grace_period"]).rstrip("s"))
    assert grace > int(environment["LRS_SHUTDOWN_TIMEOUT"])


async def test_the_image_health_check_hits_a_real_route(app: FastAPI) -> None:
    [health] = [arg for op, arg in _instructions() if op == "HEALTHCHECK"]
    path = re.search(r"127\.0\.0\.1:%s(/\w+)", health)
    assert path is not None
    async with plain_client(app) as client:
        assert (await client.get(path.group(1))).status_code == 200
