"""Enrichments against a real broker: a refusal degrades the record, silence fails the kind.

The broker (Tansu) answers every request here, so the one failing answer is injected into
librdkafka's own result: the real ``AdminClient`` is wrapped and its ``describe_configs``
futures fail with the error a broker (or the network) would give.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from kafka_admin import KafkaAdmin, KafkaRequestError
from kafka_cluster import KafkaCluster
from kafka_inventory import KafkaInventory
from kafka_settings import KafkaSettings


class ConfigsAnswered:
    """A real ``AdminClient`` whose ``describe_configs`` answers every topic with ``code``."""

    def __init__(self, client: AdminClient, code: int) -> None:
        self._client = client
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def describe_configs(self, resources: list[Any], **options: Any) -> dict[Any, Future[Any]]:
        futures: dict[Any, Future[Any]] = {}
        for resource in resources:
            future: Future[Any] = Future()
            future.set_exception(KafkaException(KafkaError(self._code)))
            futures[resource] = future
        return futures


def inventory(tansu: Any, code: int) -> KafkaInventory:
    settings = KafkaSettings("test", tansu.bootstrap_servers, {}, 5.0)
    return KafkaInventory(KafkaAdmin(settings, ConfigsAnswered(AdminClient(settings.client_config()), code)))


def test_a_broker_refusing_topic_configs_syncs_topics_without_them(
    tansu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    KafkaCluster(tansu.bootstrap_servers).create_topic("orders", 2)

    topics = asyncio.run(inventory(tansu, KafkaError._UNSUPPORTED_FEATURE).topics())

    assert [(t["name"], t["partitionCount"], t["configs"]) for t in topics] == [("orders", 2, {})]
    assert "Syncing without configs" in caplog.text


def test_topic_configs_nobody_answered_fail_the_kind_instead_of_blanking_them(tansu: Any) -> None:
    KafkaCluster(tansu.bootstrap_servers).create_topic("orders", 2)

    with pytest.raises(KafkaRequestError, match="describing topic configs failed: _TIMED_OUT.*reachable"):
        asyncio.run(inventory(tansu, KafkaError._TIMED_OUT).topics())
