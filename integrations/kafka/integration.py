"""The Kafka integration's port-app-config: its kinds and their custom selector fields.

``ocean`` parses the port-app-config with ``KafkaPortAppConfig``, so a resource with an unknown
kind, or a ``topicNamePattern`` that is not a regular expression, is reported with its location
(``ocean validate``) instead of silently syncing nothing.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from ocean_runtime import PortAppConfig, ResourceConfig, Selector


def _checked_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a regular expression ({exc})") from None
    return value


class TopicSelector(Selector):
    """Which topics are synced.

    Attributes:
        topic_name_pattern: a Python regular expression the whole topic name must match.
        include_internal: also sync internal topics (``__consumer_offsets``…).
    """

    topic_name_pattern: str = Field(default=".*", alias="topicNamePattern")
    include_internal: bool = Field(default=False, alias="includeInternal")

    _check_pattern = field_validator("topic_name_pattern")(_checked_pattern)


class ConsumerGroupSelector(Selector):
    """Which consumer groups are synced.

    Attributes:
        group_id_pattern: a Python regular expression the whole group id must match.
    """

    group_id_pattern: str = Field(default=".*", alias="groupIdPattern")

    _check_pattern = field_validator("group_id_pattern")(_checked_pattern)


class ClusterResourceConfig(ResourceConfig):
    """The cluster itself."""

    kind: Literal["cluster"]


class BrokerResourceConfig(ResourceConfig):
    """The cluster's brokers."""

    kind: Literal["broker"]


class TopicResourceConfig(ResourceConfig):
    """Topics, filtered by ``TopicSelector``."""

    kind: Literal["topic"]
    selector: TopicSelector


class ConsumerGroupResourceConfig(ResourceConfig):
    """Consumer groups, filtered by ``ConsumerGroupSelector``."""

    kind: Literal["consumer-group"]
    selector: ConsumerGroupSelector


KafkaResourceConfig = Annotated[
    ClusterResourceConfig | BrokerResourceConfig | TopicResourceConfig | ConsumerGroupResourceConfig,
    Field(discriminator="kind"),
]


class KafkaPortAppConfig(PortAppConfig):
    """The port-app-config of the Kafka integration."""

    resources: list[KafkaResourceConfig] = Field(default_factory=list)  # type: ignore[assignment]
