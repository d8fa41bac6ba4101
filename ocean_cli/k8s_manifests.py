"""Kustomize manifests for one integration, rendered from ``DeployValues``.

The tree ``ocean manifests`` writes (every file plain YAML, rendered offline by
``kubectl kustomize``)::

    base/                 ConfigMap of every non-sensitive setting; secret.example.yaml
    overlays/listener/    Deployment (probes, resources, non-root, read-only root filesystem,
                          Prometheus annotations) + Service for webhooks
    overlays/cron/        CronJob running ``ocean sail /app --once``
    overlays/kafka/       listener + webhook workers as replicas sharing a Kafka topic
    argocd/application.yaml

Port credentials and sensitive configurations come from a Secret the user creates (never from
files in the repository); the container runs Ocean's runtime image as uid 10001.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ocean_cli.deploy_values import DeployValues

APP_DIR = "/app"
RUNTIME_UID = 10001
PORT_SECRET_KEYS = ("OCEAN__PORT__CLIENT_ID", "OCEAN__PORT__CLIENT_SECRET")


def render_tree(values: DeployValues) -> dict[str, str]:
    """Every file of the kustomize tree, by relative path."""
    files = {
        "base/kustomization.yaml": _kustomization(["configmap.yaml"]),
        "base/configmap.yaml": _dump(config_map(values)),
        "base/secret.example.yaml": _secret_example(values),
        "overlays/listener/kustomization.yaml": _kustomization(
            ["../../base", "deployment.yaml", "service.yaml"]
        ),
        "overlays/listener/deployment.yaml": _dump(deployment(values)),
        "overlays/listener/service.yaml": _dump(service(values, component="sail")),
        "overlays/cron/kustomization.yaml": _kustomization(["../../base", "cronjob.yaml"]),
        "overlays/cron/cronjob.yaml": _dump(cron_job(values)),
        "overlays/kafka/kustomization.yaml": _kafka_kustomization(values),
        "overlays/kafka/live-events.yaml": _dump(live_events_deployment(values)),
        "argocd/application.yaml": _dump(argocd_application(values)),
    }
    return files


def write_tree(values: DeployValues, out: Path) -> list[Path]:
    """Writes ``render_tree`` under ``out``; returns the files written."""
    written = []
    for relative, text in render_tree(values).items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def labels(values: DeployValues, component: str | None = None) -> dict[str, str]:
    found = {"app.kubernetes.io/name": values.name, "app.kubernetes.io/part-of": "ocean"}
    if component:
        found["app.kubernetes.io/component"] = component
    return found


def config_map(values: DeployValues) -> dict[str, Any]:
    """Every non-secret setting, as the ``OCEAN__*`` variables Ocean reads."""
    data = {
        "OCEAN__PORT__BASE_URL": values.port_base_url,
        "OCEAN__INTEGRATION__IDENTIFIER": values.identifier,
        "OCEAN__INTEGRATION__TYPE": values.integration_type,
        "OCEAN__EVENT_LISTENER__TYPE": values.event_listener,
        "OCEAN__SCHEDULED_RESYNC_INTERVAL": str(values.resync_minutes),
        "OCEAN__INITIALIZE_PORT_RESOURCES": _text(values.initialize_port_resources),
        "OCEAN__SEND_RAW_DATA_EXAMPLES": _text(values.send_raw_data_examples),
        "OCEAN__LOG_FORMAT": "json",
    }
    for configuration in values.plain:
        value = _config_value(values.config, configuration.name, configuration.snake_name)
        if value is None:
            value = configuration.default
        if value is None and configuration.required:
            value = f"<required: set integration.config.{configuration.name} in the values file>"
        if value is not None:
            data[configuration.env_var] = _text(value)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{values.name}-config", "labels": labels(values)},
        "data": data,
    }


def _config_value(config: dict[str, Any], name: str, snake_name: str) -> Any:
    return config.get(name, config.get(snake_name))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def secret_env(values: DeployValues) -> list[dict[str, Any]]:
    """Environment entries read from the Secret: Port's credentials, then each sensitive config."""
    entries = [_secret_ref(values, key, optional=False) for key in PORT_SECRET_KEYS]
    for configuration in values.sensitive:
        entries.append(_secret_ref(values, configuration.env_var, optional=not configuration.required))
    return entries


def _secret_ref(values: DeployValues, key: str, *, optional: bool) -> dict[str, Any]:
    reference: dict[str, Any] = {"name": values.secret_name, "key": key}
    if optional:
        reference["optional"] = True
    return {"name": key, "valueFrom": {"secretKeyRef": reference}}


def container(values: DeployValues, args: list[str], *, serves: bool) -> dict[str, Any]:
    """The ``sail`` container: env from the ConfigMap and Secret, locked down, writable /tmp only."""
    spec: dict[str, Any] = {
        "name": "sail",
        "image": values.image,
        "args": args,
        "envFrom": [{"configMapRef": {"name": f"{values.name}-config"}}],
        "env": secret_env(values),
        "resources": values.resources,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "state", "mountPath": f"{APP_DIR}/.ocean"},
        ],
    }
    if serves:
        spec["ports"] = [{"name": "http", "containerPort": values.http_port}]
        spec["livenessProbe"] = _probe("/health/live", period=10, failures=3)
        spec["readinessProbe"] = _probe("/health/ready", period=5, failures=5)
    return spec


def _probe(path: str, *, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "http"},
        "initialDelaySeconds": 5,
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def pod_spec(values: DeployValues, main: dict[str, Any]) -> dict[str, Any]:
    return {
        "terminationGracePeriodSeconds": values.grace_seconds,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUNTIME_UID,
            "runAsGroup": RUNTIME_UID,
            "fsGroup": RUNTIME_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [main],
        "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "state", "emptyDir": {}}],
    }


def _serve_args(values: DeployValues) -> list[str]:
    return ["sail", APP_DIR, "--port", str(values.http_port)]


def deployment(values: DeployValues, *, component: str = "sail", replicas: int = 1) -> dict[str, Any]:
    """The long-running integration: resyncs, polls Port, serves /health, /metrics and webhooks."""
    annotations = {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(values.http_port),
        "prometheus.io/path": "/metrics",
        **values.pod_annotations,
    }
    name = values.name if component == "sail" else f"{values.name}-{component}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(values, component)},
        "spec": {
            "replicas": replicas,
            # One resyncing replica at a time: the old one stops before the new one starts.
            "strategy": {"type": "Recreate" if component == "sail" else "RollingUpdate"},
            "selector": {"matchLabels": labels(values, component)},
            "template": {
                "metadata": {"labels": labels(values, component), "annotations": annotations},
                "spec": pod_spec(values, container(values, _serve_args(values), serves=True)),
            },
        },
    }


def service(values: DeployValues, *, component: str) -> dict[str, Any]:
    """Where webhooks arrive: ``POST http://NAME:PORT/integration/...``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": values.name, "labels": labels(values, component)},
        "spec": {
            "type": "ClusterIP",
            "selector": labels(values, component),
            "ports": [{"name": "http", "port": values.http_port, "targetPort": "http"}],
        },
    }


def cron_job(values: DeployValues) -> dict[str, Any]:
    """``ocean sail /app --once`` on a schedule; one run at a time."""
    job: dict[str, Any] = {
        "backoffLimit": 1,
        "template": {
            "metadata": {"labels": labels(values, "cron")},
            "spec": {
                "restartPolicy": "Never",
                **pod_spec(values, container(values, _once_args(), serves=False)),
            },
        },
    }
    if values.resync_timeout_minutes:
        job["activeDeadlineSeconds"] = int(values.resync_timeout_minutes) * 60
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": values.name, "labels": labels(values, "cron")},
        "spec": {
            "schedule": values.cron_schedule,
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": job},
        },
    }


def _once_args() -> list[str]:
    return ["sail", APP_DIR, "--once"]


def live_events_deployment(values: DeployValues) -> dict[str, Any]:
    """Webhook workers: replicas that take live events from the Kafka topic (no resyncs)."""
    workers = deployment(values, component="live-events", replicas=values.live_event_replicas)
    main = workers["spec"]["template"]["spec"]["containers"][0]
    main["env"] = [
        {"name": "OCEAN__EVENT_LISTENER__TYPE", "value": "WEBHOOKS_ONLY"},
        {"name": "OCEAN__INITIALIZE_PORT_RESOURCES", "value": "false"},
        *main["env"],
    ]
    return workers


def _kafka_kustomization(values: DeployValues) -> str:
    live_events = {
        "OCEAN__LIVE_EVENTS__BACKEND": "kafka",
        "OCEAN__LIVE_EVENTS__KAFKA__BROKERS": values.kafka_brokers,
    }
    patches = [
        {"target": {"kind": "ConfigMap", "name": f"{values.name}-config"}, "patch": _add_data(live_events)},
        # Webhooks go to the workers; the single resyncing replica publishes and resyncs.
        {
            "target": {"kind": "Service", "name": values.name},
            "patch": _dump(
                [
                    {
                        "op": "replace",
                        "path": "/spec/selector",
                        "value": labels(values, "live-events"),
                    }
                ]
            ),
        },
    ]
    return _dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["../listener", "live-events.yaml"],
            "patches": patches,
        }
    )


def _add_data(data: dict[str, str]) -> str:
    return _dump([{"op": "add", "path": f"/data/{key}", "value": value} for key, value in data.items()])


def argocd_application(values: DeployValues) -> dict[str, Any]:
    """An Argo CD ``Application`` syncing the listener overlay from the integration's repository."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": values.name, "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {
                "repoURL": f"https://git.example.com/your-org/{values.name}.git",
                "targetRevision": "HEAD",
                "path": "deploy/overlays/listener",
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "ocean"},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=true"],
            },
        },
    }


def _secret_example(values: DeployValues) -> str:
    keys = [*PORT_SECRET_KEYS, *(c.env_var for c in values.sensitive)]
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": values.secret_name, "labels": labels(values)},
        "type": "Opaque",
        "stringData": {key: "<set me>" for key in keys},
    }
    literals = " ".join(f"--from-literal={key}=..." for key in keys)
    header = (
        "# The Secret the manifests read (not applied by kustomize: keep real values out of git).\n"
        f"# Create it with: kubectl create secret generic {values.secret_name} {literals}\n"
    )
    return header + _dump(secret)


def _kustomization(resources: list[str]) -> str:
    return _dump(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}
    )


def _dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=120)
