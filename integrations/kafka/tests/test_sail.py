"""``ocean sail <kafka> --once`` through the installed entry point, against a live broker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from kafka_cluster import KafkaCluster

from ocean_harbor.testing import RunningHarbor

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
OCEAN = str(Path(sys.executable).with_name("ocean"))


def copy_integration(tmp_path: Path) -> Path:
    """A copy, so the run's local Port (.ocean/harbor.db) lands in tmp_path, not in the repository."""
    directory = tmp_path / "kafka"
    shutil.copytree(
        INTEGRATION_DIR, directory, ignore=shutil.ignore_patterns("tests", ".ocean", "__pycache__", ".*cache")
    )
    return directory


def sail_once(directory: Path, cwd: Path, brokers: str) -> subprocess.CompletedProcess[str]:
    """``ocean sail DIR --once`` into the folder's local harbor (admin requests time out in 2 s)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env.update(
        {
            "OCEAN__INTEGRATION__CONFIG__BROKERS": brokers,
            "OCEAN__INTEGRATION__CONFIG__CLUSTER_NAME": "e2e",
            "OCEAN__INTEGRATION__CONFIG__REQUEST_TIMEOUT_SECONDS": "2",
        }
    )
    return subprocess.run(
        [OCEAN, "sail", str(directory), "--once"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_sail_once_syncs_topics_and_groups_into_the_local_harbor(tansu: Any, tmp_path: Path) -> None:
    cluster = KafkaCluster(tansu.bootstrap_servers)
    cluster.create_topic("events", 2, {"retention.ms": "86400000"})
    cluster.produce("events", {0: 2, 1: 3})
    cluster.commit("indexer", {("events", 0): 2, ("events", 1): 1})
    directory = copy_integration(tmp_path)

    result = sail_once(directory, tmp_path, tansu.bootstrap_servers)

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


def test_a_broker_killed_between_two_sails_fails_the_kind_and_deletes_nothing(
    tansu: Any, tmp_path: Path
) -> None:
    # The worst case of the outage-as-empty break: only consumer groups mapped, threshold 1.0,
    # so an empty listing taken for the truth would delete every group and exit 0.
    cluster = KafkaCluster(tansu.bootstrap_servers)
    cluster.create_topic("events", 1)
    cluster.produce("events", {0: 2})
    cluster.commit("indexer", {("events", 0): 1})
    cluster.commit("mailer", {("events", 0): 2})
    directory = copy_integration(tmp_path)
    config_file = directory / ".port" / "resources" / "port-app-config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["entityDeletionThreshold"] = 1.0
    config["resources"] = [r for r in config["resources"] if r["kind"] == "consumer-group"]
    config_file.write_text(yaml.safe_dump(config))
    assert sail_once(directory, tmp_path, tansu.bootstrap_servers).returncode == 0

    tansu.kill()
    result = sail_once(directory, tmp_path, tansu.bootstrap_servers)

    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "listing consumer groups failed" in errors[0] and "is the broker reachable?" in errors[0]
    assert tansu.bootstrap_servers in errors[0]
    assert "nothing deleted" in result.stdout
    with RunningHarbor(directory / ".ocean" / "harbor.db") as harbor:
        groups = {e["identifier"] for e in harbor.entities("kafkaConsumerGroup")}
    assert groups == {"e2e_indexer", "e2e_mailer"}
