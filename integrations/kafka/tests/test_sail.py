"""``ocean sail <kafka> --once`` through the installed entry point, against a live broker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from kafka_cluster import KafkaCluster

from ocean_harbor.testing import RunningHarbor

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
OCEAN = str(Path(sys.executable).with_name("ocean"))


def test_sail_once_syncs_topics_and_groups_into_the_local_harbor(tansu: Any, tmp_path: Path) -> None:
    cluster = KafkaCluster(tansu.bootstrap_servers)
    cluster.create_topic("events", 2, {"retention.ms": "86400000"})
    cluster.produce("events", {0: 2, 1: 3})
    cluster.commit("indexer", {("events", 0): 2, ("events", 1): 1})
    # A copy, so the run's local Port (.ocean/harbor.db) lands in tmp_path, not in the repository.
    directory = tmp_path / "kafka"
    shutil.copytree(
        INTEGRATION_DIR, directory, ignore=shutil.ignore_patterns("tests", ".ocean", "__pycache__", ".*cache")
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env.update(
        {
            "OCEAN__INTEGRATION__CONFIG__BROKERS": tansu.bootstrap_servers,
            "OCEAN__INTEGRATION__CONFIG__CLUSTER_NAME": "e2e",
        }
    )

    result = subprocess.run(
        [OCEAN, "sail", str(directory), "--once"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    with RunningHarbor(directory / ".ocean" / "harbor.db") as harbor:
        topics = {e["identifier"]: e for e in harbor.entities("kafkaTopic")}
        groups = {e["identifier"]: e for e in harbor.entities("kafkaConsumerGroup")}
        clusters = [e["identifier"] for e in harbor.entities("kafkaCluster")]
    assert clusters == ["e2e"]
    assert set(topics) == {"e2e_events"}
    assert topics["e2e_events"]["properties"]["partitions"] == 2
    assert topics["e2e_events"]["properties"]["retentionMs"] == 86_400_000
    assert groups["e2e_indexer"]["properties"]["lagByTopic"] == {"events": 2}
    assert groups["e2e_indexer"]["relations"]["topics"] == ["e2e_events"]
