"""The raw records the Kafka integration syncs: cluster, brokers, topics and consumer groups.

Listing a kind must succeed, or its handler raises and the kind fails (so reconcile deletes
nothing). Enriching a record may degrade: when the broker refuses to describe topic configs,
group members or offsets — some Kafka-compatible brokers do not implement every admin API, an
ACL may forbid it — the record is synced without them and a warning says what is missing and
why. A broker that does not answer at all fails the kind instead: syncing "no configs" or "lag
unknown" over the values already in the catalog would blank them for a passing timeout.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from typing import Any

from kafka_admin import KafkaAdmin, KafkaRequestError

logger = logging.getLogger(__name__)

Record = dict[str, Any]


class KafkaInventory:
    """Reads the cluster through ``admin`` and returns plain dicts, one per catalog entity."""

    def __init__(self, admin: KafkaAdmin) -> None:
        self._admin = admin
        self._cluster = admin.settings.cluster_name

    async def cluster(self) -> Record:
        """The cluster: its id, controller and broker count."""
        metadata = await self._admin.metadata()
        return {
            "name": self._cluster,
            "clusterId": metadata.cluster_id,
            "controllerId": metadata.controller_id,
            "brokerCount": len(metadata.brokers),
            "bootstrapServers": self._admin.settings.bootstrap_servers,
        }

    async def brokers(self) -> list[Record]:
        """One record per broker in the cluster's metadata."""
        metadata = await self._admin.metadata()
        return [
            {
                "cluster": self._cluster,
                "id": broker.id,
                "host": broker.host,
                "port": broker.port,
                "address": f"{broker.host}:{broker.port}",
                "isController": broker.id == metadata.controller_id,
            }
            for broker in sorted(metadata.brokers.values(), key=lambda b: b.id)
        ]

    async def topics(self, name_pattern: str = ".*", include_internal: bool = False) -> list[Record]:
        """Topics whose whole name matches ``name_pattern``, with partitions and configs."""
        metadata = await self._admin.metadata()
        pattern = re.compile(name_pattern)
        chosen = [
            topic
            for name, topic in sorted(metadata.topics.items())
            if pattern.fullmatch(name) and (include_internal or not _is_internal(name))
        ]
        configs = await self._topic_configs([topic.topic for topic in chosen])
        return [self._topic_record(topic, configs.get(topic.topic, {})) for topic in chosen]

    async def consumer_groups(self, group_id_pattern: str = ".*") -> list[Record]:
        """Consumer groups whose whole id matches, with state, members and lag per topic."""
        pattern = re.compile(group_id_pattern)
        listings = [g for g in await self._admin.group_listings() if pattern.fullmatch(g.group_id)]
        group_ids = sorted(listing.group_id for listing in listings)
        descriptions = await self._degraded(self._admin.describe_groups(group_ids), "members and state")
        lag = await self._degraded(self._lag(group_ids), "lag")
        by_id = {listing.group_id: listing for listing in listings}
        records = [
            group_record(self._cluster, by_id[group_id], descriptions.get(group_id), lag.get(group_id))
            for group_id in group_ids
        ]
        _warn_about_memberless_stable_groups(records)
        return records

    async def _topic_configs(self, names: list[str]) -> dict[str, dict[str, str]]:
        configs: dict[str, dict[str, str]] = await self._degraded(self._admin.topic_configs(names), "configs")
        return configs

    def _topic_record(self, topic: Any, configs: dict[str, str]) -> Record:
        partitions = [
            {"id": p.id, "leader": p.leader, "replicas": list(p.replicas), "isr": list(p.isrs)}
            for p in sorted(topic.partitions.values(), key=lambda p: p.id)
        ]
        return {
            "cluster": self._cluster,
            "name": topic.topic,
            "internal": _is_internal(topic.topic),
            "partitionCount": len(partitions),
            "replicationFactor": max((len(p["replicas"]) for p in partitions), default=0),
            "underReplicatedPartitions": sum(len(p["isr"]) < len(p["replicas"]) for p in partitions),
            "partitions": partitions,
            "configs": configs,
            "error": str(topic.error) if topic.error is not None else None,
        }

    async def _lag(self, group_ids: list[str]) -> dict[str, list[Record]]:
        """Per group: one entry per committed partition with its end offset and lag."""
        committed = await self._admin.committed_offsets(group_ids)
        partitions = {(tp.topic, tp.partition) for offsets in committed.values() for tp in offsets}
        ends = await self._admin.end_offsets(sorted(partitions))
        return {
            group_id: [
                {
                    "topic": tp.topic,
                    "partition": tp.partition,
                    "committed": tp.offset,
                    "end": ends[(tp.topic, tp.partition)],
                    "lag": max(ends[(tp.topic, tp.partition)] - tp.offset, 0),
                }
                for tp in sorted(offsets, key=lambda tp: (tp.topic, tp.partition))
            ]
            for group_id, offsets in committed.items()
        }

    async def _degraded(self, request: Any, what: str) -> dict[Any, Any]:
        """Await ``request``; when the broker refuses it, warn that ``what`` is left out and return ``{}``.

        Raises:
            KafkaRequestError: no broker answered (the kind fails; the catalog keeps its values).
        """
        try:
            result: dict[Any, Any] = await request
        except KafkaRequestError as exc:
            if exc.unanswered:
                raise
            logger.warning("Syncing without %s: %s", what, exc)
            return {}
        return result


def _warn_about_memberless_stable_groups(records: list[Record]) -> None:
    # A STABLE group has members by definition; none listed means the broker left them out
    # (Tansu does), not that nobody consumes.
    memberless = [r["groupId"] for r in records if r["state"] == "STABLE" and not r["members"]]
    if memberless:
        logger.warning(
            "Syncing without members for %d stable consumer group(s) (%s): the broker describes "
            "them without their members",
            len(memberless),
            ", ".join(memberless[:5]) + (", …" if len(memberless) > 5 else ""),
        )


def _is_internal(topic: str) -> bool:
    # Kafka's own topics (__consumer_offsets, __transaction_state) start with two underscores.
    return topic.startswith("__")


def group_record(cluster: str, listing: Any, description: Any, offsets: list[Record] | None) -> Record:
    """The record of one consumer group.

    Args:
        cluster: the cluster's name.
        listing: its ``ConsumerGroupListing``.
        description: its ``ConsumerGroupDescription``, or None when it could not be read.
        offsets: its committed partitions with end offsets and lag, or None when unreadable.
    """
    members = _members(description) if description is not None else []
    state = description.state if description is not None else listing.state
    lag_by_topic: dict[str, int] = defaultdict(int)
    for entry in offsets or []:
        lag_by_topic[entry["topic"]] += entry["lag"]
    assigned = {a.split(":", 1)[0] for member in members for a in member["assignments"]}
    coordinator = description.coordinator if description is not None else None
    return {
        "cluster": cluster,
        "groupId": listing.group_id,
        "simple": listing.is_simple_consumer_group,
        "state": state.name if state is not None else "UNKNOWN",
        "coordinator": f"{coordinator.host}:{coordinator.port}" if coordinator is not None else None,
        "partitionAssignor": (description.partition_assignor or None) if description is not None else None,
        "members": members,
        "offsets": offsets or [],
        "lagByTopic": dict(sorted(lag_by_topic.items())),
        # None, not 0, when the lag could not be read: "unknown" must not look like "caught up".
        "totalLag": sum(lag_by_topic.values()) if offsets is not None else None,
        "topics": sorted(assigned | set(lag_by_topic)),
    }


def _members(description: Any) -> list[Record]:
    members = []
    for member in description.members:
        assignment = member.assignment.topic_partitions if member.assignment is not None else []
        members.append(
            {
                "memberId": member.member_id,
                "clientId": member.client_id,
                "host": member.host,
                "groupInstanceId": member.group_instance_id,
                "assignments": sorted(f"{tp.topic}:{tp.partition}" for tp in assignment),
            }
        )
    return sorted(members, key=lambda m: m["memberId"])
