"""Consumer-group records and settings, built from confluent-kafka's own model objects.

Tansu describes a stable group without its members, so what a real Kafka broker sends
(members with their assignments) is checked here on the library's description objects.
"""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import ConsumerGroupState, Node, TopicPartition
from confluent_kafka.admin import (
    ConsumerGroupDescription,
    ConsumerGroupListing,
    MemberAssignment,
    MemberDescription,
)
from kafka_inventory import group_record
from kafka_settings import KafkaSettings

from ocean_runtime import UserInputError


def description(*members: MemberDescription) -> ConsumerGroupDescription:
    return ConsumerGroupDescription(
        "billing",
        False,
        list(members),
        "cooperative-sticky",
        ConsumerGroupState.STABLE,
        Node(1, "kafka-1", 9092),
    )


def member(member_id: str, *partitions: tuple[str, int]) -> MemberDescription:
    assignment = MemberAssignment([TopicPartition(topic, partition) for topic, partition in partitions])
    return MemberDescription(member_id, f"client-{member_id}", "/10.0.0.7", assignment)


LISTING = ConsumerGroupListing("billing", False, ConsumerGroupState.STABLE)


def test_members_and_their_assignments_become_the_groups_topics() -> None:
    record = group_record(
        "prod",
        LISTING,
        description(member("m-2", ("refunds", 0)), member("m-1", ("orders", 1), ("orders", 0))),
        offsets=[],
    )

    assert record["state"] == "STABLE"
    assert record["coordinator"] == "kafka-1:9092"
    assert record["partitionAssignor"] == "cooperative-sticky"
    assert [m["memberId"] for m in record["members"]] == ["m-1", "m-2"]
    assert record["members"][0] == {
        "memberId": "m-1",
        "clientId": "client-m-1",
        "host": "/10.0.0.7",
        "groupInstanceId": None,
        "assignments": ["orders:0", "orders:1"],
    }
    assert record["topics"] == ["orders", "refunds"]
    assert record["totalLag"] == 0


def test_lag_is_summed_per_topic_and_topics_include_committed_ones() -> None:
    offsets: list[dict[str, Any]] = [
        {"topic": "orders", "partition": 0, "committed": 5, "end": 9, "lag": 4},
        {"topic": "orders", "partition": 1, "committed": 7, "end": 8, "lag": 1},
        {"topic": "audit", "partition": 0, "committed": 3, "end": 3, "lag": 0},
    ]

    record = group_record("prod", LISTING, description(member("m-1", ("orders", 0))), offsets)

    assert record["lagByTopic"] == {"audit": 0, "orders": 5}
    assert record["totalLag"] == 5
    assert record["topics"] == ["audit", "orders"]


def test_unreadable_description_and_lag_are_unknown_not_zero() -> None:
    record = group_record("prod", ConsumerGroupListing("idle", True, ConsumerGroupState.EMPTY), None, None)

    assert record["state"] == "EMPTY"  # from the listing
    assert record["members"] == []
    assert record["coordinator"] is None
    assert record["totalLag"] is None
    assert record["lagByTopic"] == {}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"cluster_name": "prod", "brokers": "  "}, "'brokers'"),
        ({"cluster_name": "", "brokers": "k:9092"}, "'clusterName'"),
        (
            {"cluster_name": "p", "brokers": "k:9092", "request_timeout_seconds": -1},
            "'requestTimeoutSeconds'",
        ),
        (
            {"cluster_name": "p", "brokers": "k:9092", "security": {"sasl": {"a": 1}}},
            "non-scalar value for 'sasl'",
        ),
        (
            {"cluster_name": "p", "brokers": "k:9092", "security": {"bootstrap.servers": "x"}},
            "bootstrap.servers",
        ),
    ],
)
def test_bad_settings_are_user_errors_naming_the_configuration(config: dict[str, Any], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        KafkaSettings.from_config(config)


def test_security_properties_reach_the_client_configuration_as_strings() -> None:
    settings = KafkaSettings.from_config(
        {
            "cluster_name": "prod",
            "brokers": "k1:9093,k2:9093",
            "security": {"security.protocol": "SASL_SSL", "enable.ssl.certificate.verification": False},
        }
    )

    config = settings.client_config()

    assert config["bootstrap.servers"] == "k1:9093,k2:9093"
    assert config["security.protocol"] == "SASL_SSL"
    assert config["enable.ssl.certificate.verification"] == "false"
    assert settings.timeout_seconds == 15.0
