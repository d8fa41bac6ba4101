"""The Kafka integration resynced from a real broker (Tansu) into a real local Port (``harbor``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kafka_cluster import KafkaCluster

from ocean_runtime.testing import ResyncFailedError, resync

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
CLUSTER = "test-cluster"


@pytest.fixture
def kafka(tansu: Any) -> Iterator[KafkaCluster]:
    """A fresh broker with ``orders`` (3 partitions), ``payments`` (1) and two consumer groups.

    - ``billing`` committed orders 0→1, 1→2 (and nothing on partition 2) and payments 0→4;
    - ``audit`` committed orders 2→3 only.
    """
    cluster = KafkaCluster(tansu.bootstrap_servers)
    cluster.create_topic("orders", 3, {"retention.ms": "3600000", "cleanup.policy": "delete"})
    cluster.create_topic("payments", 1, {"cleanup.policy": "compact"})
    cluster.produce("orders", {0: 3, 1: 4, 2: 5})
    cluster.produce("payments", {0: 6})
    cluster.commit("billing", {("orders", 0): 1, ("orders", 1): 2, ("payments", 0): 4})
    cluster.commit("audit", {("orders", 2): 3})
    yield cluster
    cluster.close()


def sail_once(harbor: Any, brokers: str, directory: Path = INTEGRATION_DIR, **config: object) -> Any:
    env = {
        "OCEAN__INTEGRATION__CONFIG__CLUSTER_NAME": CLUSTER,
        "OCEAN__INTEGRATION__CONFIG__BROKERS": brokers,
        **{f"OCEAN__INTEGRATION__CONFIG__{key.upper()}": str(value) for key, value in config.items()},
    }
    return resync(
        directory,
        base_url=harbor.url,
        client_id=harbor.client_id,
        client_secret=harbor.client_secret,
        env=env,
    )


def by_id(harbor: Any, blueprint: str) -> dict[str, dict[str, Any]]:
    return {entity["identifier"]: entity for entity in harbor.entities(blueprint)}


def test_resync_syncs_the_cluster_brokers_and_topics(harbor: Any, kafka: KafkaCluster) -> None:
    sail_once(harbor, kafka.bootstrap_servers)

    clusters = by_id(harbor, "kafkaCluster")
    assert list(clusters) == [CLUSTER]
    assert clusters[CLUSTER]["properties"]["brokerCount"] == 1
    assert clusters[CLUSTER]["properties"]["bootstrapServers"] == kafka.bootstrap_servers

    brokers = list(by_id(harbor, "kafkaBroker").values())
    assert len(brokers) == 1
    assert brokers[0]["properties"]["address"] == kafka.bootstrap_servers
    assert brokers[0]["properties"]["isController"] is True
    assert brokers[0]["relations"]["cluster"] == CLUSTER

    topics = by_id(harbor, "kafkaTopic")
    assert set(topics) == {f"{CLUSTER}_orders", f"{CLUSTER}_payments"}
    orders = topics[f"{CLUSTER}_orders"]
    assert orders["title"] == "orders"
    assert orders["relations"]["cluster"] == CLUSTER
    assert orders["properties"]["partitions"] == 3
    assert orders["properties"]["replicationFactor"] == 1
    assert orders["properties"]["underReplicatedPartitions"] == 0
    assert orders["properties"]["retentionMs"] == 3_600_000
    assert orders["properties"]["cleanupPolicy"] == "delete"
    assert topics[f"{CLUSTER}_payments"]["properties"]["cleanupPolicy"] == "compact"


def test_consumer_groups_carry_lag_per_topic_and_relate_to_their_topics(
    harbor: Any, kafka: KafkaCluster
) -> None:
    sail_once(harbor, kafka.bootstrap_servers)

    groups = by_id(harbor, "kafkaConsumerGroup")
    assert set(groups) == {f"{CLUSTER}_billing", f"{CLUSTER}_audit"}
    billing = groups[f"{CLUSTER}_billing"]
    # orders: (3 - 1) + (4 - 2); partition 2 never committed. payments: 6 - 4.
    assert billing["properties"]["lagByTopic"] == {"orders": 4, "payments": 2}
    assert billing["properties"]["totalLag"] == 6
    assert billing["properties"]["memberCount"] == 0
    assert billing["properties"]["state"] == "EMPTY"
    assert sorted(billing["relations"]["topics"]) == [f"{CLUSTER}_orders", f"{CLUSTER}_payments"]
    assert billing["relations"]["cluster"] == CLUSTER

    audit = groups[f"{CLUSTER}_audit"]
    assert audit["properties"]["lagByTopic"] == {"orders": 2}
    assert audit["relations"]["topics"] == [f"{CLUSTER}_orders"]
    # Every related topic is a synced entity, not a placeholder Port made up.
    topics = by_id(harbor, "kafkaTopic")
    assert all(topic in topics for group in groups.values() for topic in group["relations"]["topics"])


def test_a_live_consumer_makes_its_group_stable(
    harbor: Any, kafka: KafkaCluster, caplog: pytest.LogCaptureFixture
) -> None:
    kafka.join("shipping", "payments")

    sail_once(harbor, kafka.bootstrap_servers)

    shipping = by_id(harbor, "kafkaConsumerGroup")[f"{CLUSTER}_shipping"]
    assert shipping["properties"]["state"] == "STABLE"
    assert shipping["properties"]["lagByTopic"] == {"payments": 5}  # 6 messages, 1 consumed
    assert shipping["relations"]["topics"] == [f"{CLUSTER}_payments"]
    # Tansu describes a stable group without its members: synced without them, with a warning.
    # (tests/test_records.py checks members on the client library's own description objects.)
    assert shipping["properties"]["memberCount"] == len(shipping["properties"]["members"])
    if not shipping["properties"]["members"]:
        assert "Syncing without members for 1 stable consumer group(s) (shipping)" in caplog.text


def test_selector_patterns_choose_topics_and_groups(harbor: Any, kafka: KafkaCluster, tmp_path: Path) -> None:
    directory = copy_integration(tmp_path)
    config_file = directory / ".port" / "resources" / "port-app-config.yml"
    config = yaml.safe_load(config_file.read_text())
    for resource in config["resources"]:
        if resource["kind"] == "topic":
            resource["selector"]["topicNamePattern"] = "ord.*"
        if resource["kind"] == "consumer-group":
            resource["selector"]["groupIdPattern"] = "aud.*"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))

    sail_once(harbor, kafka.bootstrap_servers, directory)

    assert set(by_id(harbor, "kafkaTopic")) == {f"{CLUSTER}_orders"}
    assert set(by_id(harbor, "kafkaConsumerGroup")) == {f"{CLUSTER}_audit"}


def test_a_deleted_topic_is_deleted_from_the_catalog(harbor: Any, kafka: KafkaCluster) -> None:
    sail_once(harbor, kafka.bootstrap_servers)
    kafka.create_topic("refunds", 1)
    sail_once(harbor, kafka.bootstrap_servers)
    assert f"{CLUSTER}_refunds" in by_id(harbor, "kafkaTopic")

    kafka.admin.delete_topics(["refunds"])["refunds"].result(15)
    sail_once(harbor, kafka.bootstrap_servers)

    assert set(by_id(harbor, "kafkaTopic")) == {f"{CLUSTER}_orders", f"{CLUSTER}_payments"}


def test_an_unreachable_cluster_fails_the_resync_and_deletes_nothing(
    harbor: Any, kafka: KafkaCluster, unused_tcp_port: int
) -> None:
    sail_once(harbor, kafka.bootstrap_servers)
    before = {bp: by_id(harbor, bp) for bp in ("kafkaCluster", "kafkaTopic", "kafkaConsumerGroup")}

    with pytest.raises(ResyncFailedError) as failure:
        sail_once(harbor, f"127.0.0.1:{unused_tcp_port}", request_timeout_seconds=1)

    assert f"127.0.0.1:{unused_tcp_port}" in str(failure.value)
    assert {bp: by_id(harbor, bp) for bp in before} == before


def test_a_security_object_overriding_the_brokers_is_refused(harbor: Any, kafka: KafkaCluster) -> None:
    from ocean_runtime import UserInputError

    with pytest.raises(UserInputError, match="bootstrap.servers"):
        sail_once(harbor, kafka.bootstrap_servers, security='{"bootstrap.servers": "elsewhere:9092"}')
    assert harbor.entities("kafkaTopic") == []


def copy_integration(tmp_path: Path) -> Path:
    """A copy of the integration folder (without tests or local state) a test may edit."""
    target = tmp_path / "kafka"
    shutil.copytree(
        INTEGRATION_DIR, target, ignore=shutil.ignore_patterns("tests", ".ocean", "__pycache__", ".*cache")
    )
    return target


def test_a_topic_pattern_that_is_not_a_regular_expression_is_a_user_error(
    harbor: Any, tmp_path: Path
) -> None:
    from ocean_runtime import UserInputError

    directory = copy_integration(tmp_path)
    config_file = directory / ".port" / "resources" / "port-app-config.yml"
    config_file.write_text(
        config_file.read_text().replace("topicNamePattern: '.*'", "topicNamePattern: '(['")
    )

    with pytest.raises(UserInputError) as error:
        sail_once(harbor, "127.0.0.1:9", directory)

    assert "topicNamePattern" in str(error.value)
    assert "not a regular expression" in str(error.value)
    assert harbor.entities("kafkaTopic") == []
