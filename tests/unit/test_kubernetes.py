"""The Kubernetes manifests, rendered (the kustomization's resources) and validated offline against
the Kubernetes schemas (`kubernetes-validate`, strict: unknown fields are errors), then checked for
what keeps the service right on a cluster: probes on the real health port and service, grace
period covering the drain, secrets for the token and TLS, scrape annotations, a disruption budget,
the HTTP port and its host names. The KubeRay `RayJob` for a batch is validated against KubeRay's
RayJob schema (pruned copy in tests/fixtures/kuberay) and its pods against Kubernetes' own."""

import importlib.metadata
import json
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


def test_the_http_api_is_served_on_its_port_and_answers_to_the_services_names() -> None:
    (container,) = by_kind("Deployment")["spec"]["template"]["spec"]["containers"]
    args = [arg.removeprefix("--").split("=", 1) for arg in container["args"] if arg.startswith("--")]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert int(dict(args)["http-port"]) == ports["http"]
    assert {"name": "http", "port": ports["http"], "targetPort": "http", "appProtocol": "https"} in by_kind("Service")[
        "spec"
    ]["ports"]
    # the host allow-list names the Service in every form a pod's resolver accepts, in its namespace
    hosts = [value for key, value in args if key == "allow-host"]
    service = by_kind("Service")["metadata"]["name"]
    assert hosts == [service] + [f"{service}.$(POD_NAMESPACE){suffix}" for suffix in ("", ".svc", ".svc.cluster.local")]
    namespace = next(env for env in container["env"] if env["name"] == "POD_NAMESPACE")
    assert namespace["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


RAYJOB = DEPLOY / "kuberay" / "rayjob.yaml"
RAYJOB_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "kuberay" / "rayjob-v1.schema.json"


def rayjob_objects() -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in yaml.safe_load_all(RAYJOB.read_text()) if obj}


def strict(schema: Any) -> Any:
    """The CRD schema with unknown fields refused, as `kubectl apply` with strict field validation does."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def pod_templates(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in pod_templates(item)]
    if not isinstance(node, dict):
        return []
    return [value for key, value in node.items() if key == "template"] + [
        found for key, value in node.items() if key != "template" for found in pod_templates(value)
    ]


def test_the_rayjob_is_valid_against_kuberays_schema_and_its_pods_against_kubernetes() -> None:
    import jsonschema
    from kubernetes_validate.utils import schema_contents
    from referencing import Registry, Resource

    job = rayjob_objects()["RayJob"]
    schema = json.loads(RAYJOB_SCHEMA.read_text())
    jsonschema.Draft202012Validator(strict(schema)).validate(job)
    wrong = json.loads(json.dumps(job))
    wrong["spec"]["rayClusterSpec"]["headGroupSpec"]["replicas"] = 1  # a worker group's field, not the head's
    with pytest.raises(jsonschema.ValidationError, match="replicas"):
        jsonschema.Draft202012Validator(strict(schema)).validate(wrong)
    folder = f"kubernetes-json-schema/v{KUBERNETES_VERSION}.0-local-strict"
    pod_schema = schema_contents(f"{folder}/podtemplatespec-v1.json", KUBERNETES_VERSION)
    definitions = Resource.from_contents(schema_contents(f"{folder}/_definitions.json", KUBERNETES_VERSION))
    validator = jsonschema.Draft202012Validator(pod_schema, registry=definitions @ Registry())
    templates = pod_templates(job["spec"])
    assert len(templates) == 2  # the head and the one worker group
    for template in templates:
        validator.validate(template)
    with pytest.raises(jsonschema.ValidationError):  # the check refuses what Kubernetes would
        validator.validate({"spec": {"containers": [{"name": "x", "image": "finx", "memory": "6Gi"}]}})
    kubernetes_validate.validate(rayjob_objects()["PersistentVolumeClaim"], KUBERNETES_VERSION, strict=True)


def test_the_rayjob_runs_a_finx_batch_that_joins_its_cluster_and_resumes() -> None:
    import shlex

    import typer

    from finx.cli import app

    spec = rayjob_objects()["RayJob"]["spec"]
    words = shlex.split(spec["entrypoint"])
    assert words[:2] == ["finx", "batch"]
    command = typer.main.get_command(app)
    context = command.make_context("finx", words[1:])  # parses as the CLI would, runs nothing
    params = command.get_command(context, "batch").make_context("batch", words[2:], parent=context).params  # type: ignore[union-attr]
    assert params["ray"] and params["ray_address"] == "auto" and params["resume"]
    assert spec["backoffLimit"] >= 1 and spec["shutdownAfterJobFinishes"] is True
    cluster = spec["rayClusterSpec"]
    assert cluster["rayVersion"] == importlib.metadata.version("ray")
    head, (workers,) = cluster["headGroupSpec"], cluster["workerGroupSpecs"]
    assert head["rayStartParams"]["num-cpus"] == "0"  # extraction actors only on the workers
    tag = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())["images"][0]["newTag"]
    for group in (head, workers):
        pod = group["template"]["spec"]
        mounts = {
            mount["mountPath"]: mount["name"] for container in pod["containers"] for mount in container["volumeMounts"]
        }
        claims = {volume["name"]: volume.get("persistentVolumeClaim", {}).get("claimName") for volume in pod["volumes"]}
        # every node sees the documents where the driver found them, and the model cache
        assert claims[mounts["/documents"]] == "finx-documents" and claims[mounts["/var/lib/finx"]] == "finx-data"
        assert str(params["input_dir"]).startswith("/documents/") and str(params["out"]).startswith("/documents/")
        assert all(container["image"] == f"finx:{tag}" for container in pod["containers"])
        assert pod["securityContext"]["runAsNonRoot"] is True
