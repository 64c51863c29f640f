"""The Kubernetes manifests, rendered (the kustomization's resources) and validated offline against
the Kubernetes schemas (`kubernetes-validate`, strict: unknown fields are errors), then checked for
what keeps the service right on a cluster: probes on the real health port and service, grace
period covering the drain, secrets for the token and TLS, scrape annotations, a disruption budget."""

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from finx.config import ServerConfig

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES_VERSION = "1.33"


def rendered() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())
    objects = []
    for resource in kustomization["resources"]:
        objects += [doc for doc in yaml.safe_load_all((DEPLOY / "kubernetes" / resource).read_text()) if doc]
    return objects


def by_kind(kind: str) -> dict[str, Any]:
    (found,) = [obj for obj in rendered() if obj["kind"] == kind]
    return found


@pytest.mark.parametrize("obj", rendered(), ids=lambda obj: f"{obj['kind']}/{obj['metadata']['name']}")
def test_every_object_is_valid_against_the_kubernetes_schema(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_probes_ask_the_health_service_on_the_port_finx_serves_it() -> None:
    pod = by_kind("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args = dict(arg.removeprefix("--").split("=", 1) for arg in container["args"] if arg.startswith("--"))
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert int(args["port"]) == ports["grpc"] and int(args["health-port"]) == ports["health"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"] == {"port": ports["health"], "service": ""}, probe
    # the model loads under the startup probe: up to 10 minutes before liveness counts
    assert container["startupProbe"]["periodSeconds"] * container["startupProbe"]["failureThreshold"] >= 600
    assert args["host"] == "0.0.0.0" and "tls-cert" in args and "tls-key" in args


def test_termination_waits_for_the_drain_and_secrets_carry_token_and_tls() -> None:
    deployment = by_kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > ServerConfig().drain_seconds
    (container,) = pod["containers"]
    token = next(env for env in container["env"] if env["name"] == "FINX_AUTH_TOKEN")
    assert token["valueFrom"]["secretKeyRef"] == {"name": "finx-auth", "key": "token"}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "finx-tls"
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == by_kind("PersistentVolumeClaim")["metadata"]["name"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    metrics_port = next(port["containerPort"] for port in container["ports"] if port["name"] == "metrics")
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(metrics_port),
        "prometheus.io/path": "/metrics",
    }


def test_the_service_and_the_budget_select_the_pods() -> None:
    labels = by_kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert by_kind("Service")["spec"]["selector"].items() <= labels.items()
    assert by_kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert by_kind("PodDisruptionBudget")["spec"]["minAvailable"] < by_kind("Deployment")["spec"]["replicas"]


def test_the_image_runs_finx_serve_as_a_non_root_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER finx$", dockerfile, re.M)
    assert 'ENTRYPOINT ["finx"]' in dockerfile and '"serve"' in dockerfile
    assert by_kind("Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
