"""What ``ocean manifests`` deploys: an integration's spec plus the user's deployment values.

The values file takes the names users of the published Helm chart (``port-ocean``) know —
``integration.identifier``, ``integration.type``, ``integration.config``,
``integration.eventListener.type``, ``port.baseUrl``, ``scheduledResyncInterval``,
``workload.cron.resyncTimeoutMinutes``, ``resources``, ``podAnnotations``,
``terminationGracePeriodSeconds``, ``secret.name``, ``service.port``,
``liveEvents.worker.replicaCount`` — plus ``image`` and ``liveEvents.kafka.brokers``.
Secrets are never values: they live in a Kubernetes Secret the user creates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocean_runtime.config.spec import Configuration, load_spec
from ocean_runtime.errors import UserInputError

DEFAULT_RESOURCES: dict[str, Any] = {
    "requests": {"cpu": "200m", "memory": "256Mi"},
    "limits": {"cpu": "1", "memory": "1Gi"},
}
_DNS_LABEL = re.compile(r"[^a-z0-9-]+")
_KNOWN_TOP_LEVEL = {
    "image",
    "integration",
    "port",
    "scheduledResyncInterval",
    "workload",
    "resources",
    "podAnnotations",
    "terminationGracePeriodSeconds",
    "secret",
    "service",
    "liveEvents",
    "initializePortResources",
    "sendRawDataExamples",
}


@dataclass
class DeployValues:
    """Everything the manifests are rendered from (see the module docstring for the names)."""

    name: str
    image: str
    identifier: str
    integration_type: str
    version: str
    configurations: list[Configuration]
    config: dict[str, Any] = field(default_factory=dict)
    event_listener: str = "POLLING"
    port_base_url: str = "https://api.getport.io"
    resync_minutes: int = 60
    cron_schedule: str = "0 * * * *"
    resync_timeout_minutes: int | None = None
    resources: dict[str, Any] = field(default_factory=lambda: json.loads(json.dumps(DEFAULT_RESOURCES)))
    pod_annotations: dict[str, str] = field(default_factory=dict)
    grace_seconds: int = 30
    secret_name: str = ""
    http_port: int = 8000
    live_event_replicas: int = 3
    kafka_brokers: str = "kafka:9092"
    initialize_port_resources: bool = True
    send_raw_data_examples: bool = True

    def __post_init__(self) -> None:
        self.secret_name = self.secret_name or f"{self.name}-secrets"

    @property
    def sensitive(self) -> list[Configuration]:
        """Configurations read from the Secret."""
        return [c for c in self.configurations if c.sensitive]

    @property
    def plain(self) -> list[Configuration]:
        """Configurations written into the ConfigMap."""
        return [c for c in self.configurations if not c.sensitive]


def dns_name(text: str) -> str:
    """``text`` as a Kubernetes resource name: lowercase letters, digits and ``-``, at most 50."""
    name = _DNS_LABEL.sub("-", text.lower().replace("_", "-")).strip("-")[:50].strip("-")
    return name or "integration"


def load_values(integration_dir: Path, values_file: Path | None, *, image: str | None) -> DeployValues:
    """Reads the spec and ``pyproject.toml`` of ``integration_dir`` and the user's values file.

    Raises:
        UserInputError: the folder has no ``.port/spec.yaml``, the values file is unreadable or
            holds a key of the wrong shape (named with its path).
    """
    from ocean_runtime.config.sources import pyproject_defaults

    spec = load_spec(integration_dir)
    if spec is None:
        raise UserInputError(
            "no .port/spec.yaml", file=str(integration_dir), fix="run it on an integration folder"
        )
    project = pyproject_defaults(integration_dir).get("integration", {})
    values = _read_values(values_file) if values_file else {}
    integration = _mapping(values, "integration", values_file)
    integration_type = str(integration.get("type") or project.get("type") or integration_dir.resolve().name)
    name = dns_name(integration_type)
    chosen_image = image or values.get("image") or f"{name}:{project.get('version', 'latest')}"
    deploy = DeployValues(
        name=name,
        image=str(chosen_image),
        identifier=str(integration.get("identifier") or f"my-{name}-integration"),
        integration_type=integration_type,
        version=str(integration.get("version") or project.get("version") or "0.0.0"),
        configurations=list(spec.configurations),
        config=_mapping(integration, "config", values_file),
    )
    _apply_options(deploy, values, integration, values_file)
    return deploy


def _apply_options(
    deploy: DeployValues, values: dict[str, Any], integration: dict[str, Any], source: Path | None
) -> None:
    listener = _mapping(integration, "eventListener", source)
    deploy.event_listener = str(listener.get("type", deploy.event_listener)).upper()
    deploy.port_base_url = str(_mapping(values, "port", source).get("baseUrl", deploy.port_base_url))
    interval = values.get("scheduledResyncInterval")
    if isinstance(interval, int) and not isinstance(interval, bool):
        deploy.resync_minutes = interval
        deploy.cron_schedule = _cron_every(interval)
    elif isinstance(interval, str) and interval.strip():
        deploy.cron_schedule = interval.strip()  # the chart's CronJob form: a cron expression
    cron = _mapping(_mapping(values, "workload", source), "cron", source)
    deploy.resync_timeout_minutes = cron.get("resyncTimeoutMinutes") or None
    deploy.resources = _mapping(values, "resources", source) or deploy.resources
    deploy.pod_annotations = {str(k): str(v) for k, v in _mapping(values, "podAnnotations", source).items()}
    deploy.grace_seconds = int(values.get("terminationGracePeriodSeconds", deploy.grace_seconds))
    deploy.secret_name = str(_mapping(values, "secret", source).get("name") or deploy.secret_name)
    deploy.http_port = int(_mapping(values, "service", source).get("port", deploy.http_port))
    live = _mapping(values, "liveEvents", source)
    worker = _mapping(live, "worker", source)
    deploy.live_event_replicas = int(worker.get("replicaCount", deploy.live_event_replicas))
    deploy.kafka_brokers = str(_mapping(live, "kafka", source).get("brokers", deploy.kafka_brokers))
    deploy.initialize_port_resources = bool(values.get("initializePortResources", True))
    deploy.send_raw_data_examples = bool(values.get("sendRawDataExamples", True))


def _cron_every(minutes: int) -> str:
    if minutes < 60:
        return f"*/{max(minutes, 1)} * * * *"
    hours = max(minutes // 60, 1)
    return "0 * * * *" if hours == 1 else f"0 */{min(hours, 23)} * * *"


def _read_values(path: Path) -> dict[str, Any]:
    from ocean_runtime.config.documents import read_document

    data = read_document(path, name=str(path)).data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserInputError("the top level must be a mapping of values", file=str(path))
    unknown = sorted(set(data) - _KNOWN_TOP_LEVEL)
    if unknown:
        raise UserInputError(
            f"unknown key {unknown[0]!r}",
            file=str(path),
            fix=f"use one of {', '.join(sorted(_KNOWN_TOP_LEVEL))}",
        )
    return data


def _mapping(values: dict[str, Any], key: str, source: Path | None) -> dict[str, Any]:
    value = values.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserInputError(f"{key} must be a mapping, got {json.dumps(value)[:40]}", file=str(source))
    return value
