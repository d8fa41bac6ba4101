"""The Kafka integration: a cluster, its brokers, topics and consumer groups, via the admin API.

Configuration (``.port/spec.yaml``): ``clusterName``, ``brokers`` (bootstrap servers), an
optional ``security`` object of librdkafka properties and ``requestTimeoutSeconds``. Topics and
consumer groups are filtered by the selector fields defined in ``integration.py``.
"""

from __future__ import annotations

from typing import Any

from integration import ConsumerGroupSelector, TopicSelector
from kafka_admin import KafkaAdmin
from kafka_inventory import KafkaInventory
from kafka_settings import KafkaSettings

from ocean_runtime import event, ocean

_inventory: KafkaInventory | None = None


def inventory() -> KafkaInventory:
    """The inventory of the configured cluster (one admin client per loaded integration)."""
    global _inventory
    if _inventory is None:
        _inventory = KafkaInventory(KafkaAdmin(KafkaSettings.from_config(ocean.integration_config)))
    return _inventory


@ocean.on_start()
async def check_configuration() -> None:
    """Refuses bad settings (empty broker list, malformed security object) before any sync."""
    inventory()


@ocean.on_resync("cluster")
async def resync_cluster(kind: str) -> list[dict[str, Any]]:
    """The one cluster this integration is configured for."""
    return [await inventory().cluster()]


@ocean.on_resync("broker")
async def resync_brokers(kind: str) -> list[dict[str, Any]]:
    """Every broker in the cluster's metadata."""
    return await inventory().brokers()


@ocean.on_resync("topic")
async def resync_topics(kind: str) -> list[dict[str, Any]]:
    """Topics matching the resource's ``topicNamePattern`` (internal ones on request)."""
    selector = event.resource_config.selector
    if isinstance(selector, TopicSelector):
        return await inventory().topics(selector.topic_name_pattern, selector.include_internal)
    return await inventory().topics()


@ocean.on_resync("consumer-group")
async def resync_consumer_groups(kind: str) -> list[dict[str, Any]]:
    """Consumer groups matching the resource's ``groupIdPattern``, with members and lag."""
    selector = event.resource_config.selector
    if isinstance(selector, ConsumerGroupSelector):
        return await inventory().consumer_groups(selector.group_id_pattern)
    return await inventory().consumer_groups()
