"""``ocean manifests``: kustomize trees rendered offline and validated against Kubernetes' schemas.

Every overlay of every rendered tree goes through ``kubectl kustomize`` (offline) and each
document through ``kubernetes-validate --strict`` (the schemas ship in the package).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ocean_runtime.config.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
OCEAN = Path(sys.executable).with_name("ocean")
KUBERNETES_VERSION = "1.30.0"
OVERLAYS = ("listener", "cron", "kafka")
VALUES = """
image: registry.example.com/acme-tickets:1.2.3
integration:
  identifier: acme-prod
  config:
    itemCount: 7
  eventListener:
    type: POLLING
port:
  baseUrl: https://api.us.getport.io
scheduledResyncInterval: 180
workload:
  cron:
    resyncTimeoutMinutes: 30
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits: {cpu: 500m, memory: 512Mi}
podAnnotations:
  example.com/team: platform
secret:
  name: acme-port-credentials
liveEvents:
  worker:
    replicaCount: 4
  kafka:
    brokers: kafka-0.kafka:9092,kafka-1.kafka:9092
"""


def kustomize(folder: Path) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is missing in CI: .ci/run must provide it")
        pytest.skip("kubectl is not installed (it renders kustomize trees offline)")
    done = subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return [document for document in yaml.safe_load_all(done.stdout) if document]


def render(integration: Path, out: Path, *args: str) -> Path:
    done = subprocess.run(
        [str(OCEAN), "manifests", str(integration), "--out", str(out), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return out


def by_kind(documents: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(document["kind"], document["metadata"]["name"]): document for document in documents}


def validate_all(documents: list[dict[str, Any]]) -> None:
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scaffold")
    done = subprocess.run(
        [str(OCEAN), "new", str(root), "--name", "Acme Tickets", "--kind", "ticket", "--no-input"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return root / "acme_tickets"


@pytest.mark.parametrize("integration", ["fake", "http", "github", "kafka"])
def test_every_overlay_of_every_integration_renders_and_validates(integration: str, tmp_path: Path) -> None:
    tree = render(REPO / "integrations" / integration, tmp_path / "deploy")

    for overlay in OVERLAYS:
        documents = kustomize(tree / "overlays" / overlay)
        assert documents, overlay
        validate_all(documents)
    validate_all(list(yaml.safe_load_all((tree / "base/secret.example.yaml").read_text())))


def test_every_configuration_becomes_an_env_var_and_sensitive_ones_come_from_the_secret(
    scaffold: Path, tmp_path: Path
) -> None:
    tree = render(scaffold, tmp_path / "deploy", "--image", "acme:1")
    documents = by_kind(kustomize(tree / "overlays/listener"))
    config = documents[("ConfigMap", "acme-tickets-config")]["data"]
    pod = documents[("Deployment", "acme-tickets")]["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    from_secret = {entry["name"]: entry["valueFrom"]["secretKeyRef"] for entry in main["env"]}

    spec = load_spec(scaffold)
    assert spec is not None
    for configuration in spec.configurations:
        assert (configuration.env_var in from_secret) == configuration.sensitive, configuration.name
        assert (configuration.env_var in config) != configuration.sensitive, configuration.name
    assert config["OCEAN__INTEGRATION__CONFIG__ITEM_COUNT"] == "25"  # the spec's default
    assert config["OCEAN__INTEGRATION__CONFIG__USE_EXAMPLE_DATA"] == "true"
    assert from_secret["OCEAN__PORT__CLIENT_ID"] == {
        "name": "acme-tickets-secrets",
        "key": "OCEAN__PORT__CLIENT_ID",
    }
    assert from_secret["OCEAN__INTEGRATION__CONFIG__API_TOKEN"]["optional"] is True  # not required
    assert main["envFrom"] == [{"configMapRef": {"name": "acme-tickets-config"}}]
    secret = yaml.safe_load((tree / "base/secret.example.yaml").read_text())
    assert set(secret["stringData"]) == set(from_secret)


def test_the_listener_is_locked_down_probed_and_scraped(scaffold: Path, tmp_path: Path) -> None:
    tree = render(scaffold, tmp_path / "deploy", "--image", "acme:1")
    documents = by_kind(kustomize(tree / "overlays/listener"))
    deployment = documents[("Deployment", "acme-tickets")]
    pod = deployment["spec"]["template"]
    (main,) = pod["spec"]["containers"]

    assert main["image"] == "acme:1"
    assert main["args"] == ["sail", "/app", "--port", "8000"]
    assert main["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert main["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert main["resources"]["limits"] and main["resources"]["requests"]
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    assert main["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] == 10001  # the runtime image's user
    assert {mount["mountPath"] for mount in main["volumeMounts"]} == {"/tmp", "/app/.ocean"}
    assert pod["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8000",
        "prometheus.io/path": "/metrics",
    }
    service = documents[("Service", "acme-tickets")]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http"}]
    assert documents[("ConfigMap", "acme-tickets-config")]["data"]["OCEAN__LOG_FORMAT"] == "json"


def test_cron_runs_once_on_a_schedule_and_kafka_scales_webhook_workers(
    scaffold: Path, tmp_path: Path
) -> None:
    tree = render(scaffold, tmp_path / "deploy")

    cron = by_kind(kustomize(tree / "overlays/cron"))[("CronJob", "acme-tickets")]
    job = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["sail", "/app", "--once"]
    assert job["restartPolicy"] == "Never"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["schedule"] == "0 * * * *"

    kafka = by_kind(kustomize(tree / "overlays/kafka"))
    workers = kafka[("Deployment", "acme-tickets-live-events")]
    assert workers["spec"]["replicas"] == 3
    env = {
        entry["name"]: entry.get("value")
        for entry in workers["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["OCEAN__EVENT_LISTENER__TYPE"] == "WEBHOOKS_ONLY"
    assert kafka[("Deployment", "acme-tickets")]["spec"]["replicas"] == 1  # one resyncing replica
    config = kafka[("ConfigMap", "acme-tickets-config")]["data"]
    assert config["OCEAN__LIVE_EVENTS__BACKEND"] == "kafka"
    assert (
        kafka[("Service", "acme-tickets")]["spec"]["selector"] == workers["spec"]["selector"]["matchLabels"]
    )


def test_values_use_the_helm_charts_names(scaffold: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(VALUES)
    tree = render(scaffold, tmp_path / "deploy", "--values", str(values))

    listener = by_kind(kustomize(tree / "overlays/listener"))
    config = listener[("ConfigMap", "acme-tickets-config")]["data"]
    assert config["OCEAN__INTEGRATION__IDENTIFIER"] == "acme-prod"
    assert config["OCEAN__INTEGRATION__CONFIG__ITEM_COUNT"] == "7"
    assert config["OCEAN__PORT__BASE_URL"] == "https://api.us.getport.io"
    assert config["OCEAN__SCHEDULED_RESYNC_INTERVAL"] == "180"
    pod = listener[("Deployment", "acme-tickets")]["spec"]["template"]
    (main,) = pod["spec"]["containers"]
    assert main["image"] == "registry.example.com/acme-tickets:1.2.3"
    assert main["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    assert pod["metadata"]["annotations"]["example.com/team"] == "platform"
    assert {entry["valueFrom"]["secretKeyRef"]["name"] for entry in main["env"]} == {"acme-port-credentials"}

    cron = by_kind(kustomize(tree / "overlays/cron"))[("CronJob", "acme-tickets")]
    assert cron["spec"]["schedule"] == "0 */3 * * *"
    assert cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 1800
    kafka = by_kind(kustomize(tree / "overlays/kafka"))
    assert kafka[("Deployment", "acme-tickets-live-events")]["spec"]["replicas"] == 4
    brokers = kafka[("ConfigMap", "acme-tickets-config")]["data"]["OCEAN__LIVE_EVENTS__KAFKA__BROKERS"]
    assert brokers == "kafka-0.kafka:9092,kafka-1.kafka:9092"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("replicas: 3\n", "unknown key 'replicas'"),
        ("integration: [a]\n", "integration must be a mapping"),
    ],
)
def test_a_bad_values_file_is_one_clear_error(
    scaffold: Path, tmp_path: Path, values: str, message: str
) -> None:
    file = tmp_path / "values.yaml"
    file.write_text(values)

    done = subprocess.run(
        [str(OCEAN), "manifests", str(scaffold), "--out", str(tmp_path / "out"), "--values", str(file)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )

    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_argocd_application_points_at_an_overlay(scaffold: Path, tmp_path: Path) -> None:
    tree = render(scaffold, tmp_path / "deploy")
    application = yaml.safe_load((tree / "argocd/application.yaml").read_text())

    assert (application["apiVersion"], application["kind"]) == ("argoproj.io/v1alpha1", "Application")
    source = application["spec"]["source"]
    assert source["path"] == "deploy/overlays/listener"
    assert (scaffold / source["path"]).parent.name == "overlays"
    assert (tree / "overlays/listener/kustomization.yaml").is_file()
    assert application["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert application["spec"]["destination"]["server"] == "https://kubernetes.default.svc"


def test_oceans_own_example_renders_validates_and_has_every_file(tmp_path: Path) -> None:
    # deploy/kubernetes is the fake integration rendered by `ocean manifests` (see deploy/README.md):
    # the fake's configuration values may move on, its shape must not.
    committed = REPO / "deploy/kubernetes"
    tree = render(REPO / "integrations/fake", tmp_path / "deploy", "--image", "ocean-fake:0.1.0")

    assert {p.relative_to(committed) for p in committed.rglob("*.yaml")} == {
        p.relative_to(tree) for p in tree.rglob("*.yaml")
    }
    for overlay in OVERLAYS:
        validate_all(kustomize(committed / "overlays" / overlay))
