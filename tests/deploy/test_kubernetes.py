"""The Kubernetes manifests: consistent with each other and with the app they run."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.deploy.files import DEPLOY, k8s_objects, lrs_names_in, setting_names
from tests.ops.support import plain_client

KINDS = {
    "ConfigMap",
    "Secret",
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
}


def _container(objects: dict[str, dict[str, Any]]) -> Any:
    [container] = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def test_every_kind_is_there() -> None:
    assert set(k8s_objects()) == KINDS


async def test_probes_point_at_real_routes_on_the_served_port(app: FastAPI) -> None:
    objects = k8s_objects()
    container = _container(objects)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == int(objects["ConfigMap"]["data"]["LRS_PORT"])
    probes = {
        kind: container[kind]["httpGet"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == "/readyz"
    async with plain_client(app) as client:
        for probe in probes.values():
            assert probe["port"] in ports
            assert (await client.get(probe["path"])).status_code == 200
    assert container["args"] == ["python", "-m", "service", "serve"]


def test_objects_select_the_deployment_pods() -> None:
    objects = k8s_objects()
    deployment = objects["Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selected = deployment["spec"]["selector"]["matchLabels"]
    assert selected.items() <= pod_labels.items()
    assert objects["Service"]["spec"]["selector"].items() <= pod_labels.items()
    assert objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selected
    target = objects["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert objects["Service"]["spec"]["ports"][0]["targetPort"] == "http"


def test_configuration_comes_from_the_configmap_and_secret() -> None:
    objects = k8s_objects()
    sources = _container(objects)["envFrom"]
    assert {s["configMapRef"]["name"] for s in sources if "configMapRef" in s} == {
        objects["ConfigMap"]["metadata"]["name"]
    }
    assert {s["secretRef"]["name"] for s in sources if "secretRef" in s} == {
        objects["Secret"]["metadata"]["name"]
    }
    names = set(objects["ConfigMap"]["data"]) | set(objects["Secret"]["stringData"])
    assert names <= setting_names()
    assert "LRS_STORE_URL" in objects["Secret"]["stringData"]  # it carries a password
    for path in (DEPLOY / "k8s").iterdir():
        assert lrs_names_in(path) <= setting_names(), path.name


def test_termination_outlasts_the_drain() -> None:
    objects = k8s_objects()
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    pause = int(_container(objects)["lifecycle"]["preStop"]["exec"]["command"][-1])
    drain = int(objects["ConfigMap"]["data"]["LRS_SHUTDOWN_TIMEOUT"])
    assert pod["terminationGracePeriodSeconds"] > pause + drain
    security = _container(objects)["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
