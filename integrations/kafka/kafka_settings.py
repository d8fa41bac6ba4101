"""The Kafka integration's settings, from ``ocean.integration_config``, as librdkafka needs them.

``.port/spec.yaml`` already checked the types (``brokers`` is a string, ``security`` an
object); what is checked here is what only Kafka knows: the security settings must be
librdkafka properties with scalar values, and may not override the bootstrap servers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ocean_runtime import UserInputError

# Settings the integration owns; a security object may not change them.
_RESERVED = frozenset({"bootstrap.servers", "metadata.broker.list", "logger"})
_LIBRDKAFKA_LOGGER = logging.getLogger("kafka.librdkafka")


@dataclass(frozen=True)
class KafkaSettings:
    """Where the cluster is and how to talk to it.

    Attributes:
        cluster_name: the cluster's name in the catalog (every identifier starts with it).
        bootstrap_servers: librdkafka ``bootstrap.servers``.
        security: extra librdkafka properties (SASL/SSL…), values as strings.
        timeout_seconds: how long one admin request may take.
    """

    cluster_name: str
    bootstrap_servers: str
    security: Mapping[str, str] = field(default_factory=dict)
    timeout_seconds: float = 15.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KafkaSettings:
        """Build settings from ``ocean.integration_config`` (snake_case keys).

        Raises:
            UserInputError: an empty cluster name or broker list, a negative timeout, or a
                security object that is not a flat map of librdkafka properties.
        """
        cluster_name = str(config.get("cluster_name") or "").strip()
        brokers = str(config.get("brokers") or "").strip()
        if not cluster_name:
            raise _config_error("clusterName", cluster_name, "a non-empty name, e.g. production")
        if not brokers:
            raise _config_error("brokers", brokers, "the bootstrap servers, e.g. localhost:9092")
        timeout = float(config.get("request_timeout_seconds") or 15)
        if timeout <= 0:
            raise _config_error("requestTimeoutSeconds", timeout, "a number of seconds > 0")
        return cls(cluster_name, brokers, _security_properties(config.get("security")), timeout)

    def client_config(self) -> dict[str, Any]:
        """The librdkafka configuration of an admin client for this cluster."""
        return {
            **self.security,
            "bootstrap.servers": self.bootstrap_servers,
            "client.id": f"ocean-kafka-{self.cluster_name}",
            # librdkafka logs through Python logging instead of straight to stderr.
            "logger": _LIBRDKAFKA_LOGGER,
        }


def _security_properties(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _config_error("security", "***", 'a JSON object such as {"security.protocol": "SSL"}')
    properties: dict[str, str] = {}
    for key, item in value.items():
        if key in _RESERVED:
            raise UserInputError(
                f"configuration 'security' sets {key!r}, which the integration sets itself",
                location="OCEAN__INTEGRATION__CONFIG__SECURITY",
                fix=f"remove {key!r} from the security object (set the brokers with 'brokers')",
            )
        if isinstance(item, Mapping | list) or item is None:
            raise UserInputError(
                f"configuration 'security' has a non-scalar value for {key!r}",
                location="OCEAN__INTEGRATION__CONFIG__SECURITY",
                fix="give every librdkafka property a string, number or boolean value",
            )
        properties[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
    return properties


def _config_error(name: str, value: object, expected: str) -> UserInputError:
    env_var = "OCEAN__INTEGRATION__CONFIG__" + "".join(f"_{c}" if c.isupper() else c.upper() for c in name)
    return UserInputError(
        f"configuration {name!r} = {value!r} is not valid: expected {expected}",
        location=env_var,
        fix=f"set {env_var} (or integration.config.{name}) to {expected}",
    )
