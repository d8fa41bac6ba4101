"""The KAFKA listener in a running integration: real broker, real harbor, real resyncs.

The integration's resync handler records each run in ``runs.txt`` and, while a ``gate`` file
exists, holds the resync open — so a test can stop the integration in the middle of a resync a
Kafka message asked for.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
from ocean_runtime.app.service import IntegrationService
from ocean_runtime.sync import ResyncReport
from ocean_runtime.testing.kafka import TansuBroker

from .conftest import FAST, committed, eventually, produce, unique

IDENTIFIER = "kafka-tiny"
MAIN = """
import asyncio
from pathlib import Path
from ocean_runtime import ocean

HERE = Path(__file__).parent

@ocean.on_resync("repo")
async def repos(kind):
    with (HERE / "runs.txt").open("a") as runs:
        runs.write("run\\n")
    while (HERE / "gate").exists():
        await asyncio.sleep(0.02)
    yield [{"name": "repo-1"}]
"""
MAPPING = {
    "resources": [{"kind": "repo", "selector": {"query": "true"}, "port": {"entity": {"mappings": {
        "identifier": ".name", "title": ".name", "blueprint": '"repo"'}}}}],
}  # fmt: skip


def config_change(identifier: str = IDENTIFIER, *, state_only: bool = False) -> dict[str, Any]:
    updated = "2024-05-02T10:00:00Z"
    after = {"identifier": identifier, "updatedAt": updated,
             "resyncState": {"updatedAt": updated if state_only else "2024-05-01T09:00:00Z"}}  # fmt: skip
    return {"diff": {"after": after}, "changelogDestination": {"type": "KAFKA"}}


class Tiny:
    """The integration folder and the services started from it."""

    def __init__(self, root: Path, harbor: Any) -> None:
        self.root = root
        self.harbor = harbor
        self.topic = unique("org") + ".change.log"
        self.group = unique("group")
        self.reports: list[ResyncReport] = []
        self.services: list[IntegrationService] = []

    @property
    def gate(self) -> Path:
        return self.root / "gate"

    def runs(self) -> int:
        path = self.root / "runs.txt"
        return len(path.read_text().splitlines()) if path.exists() else 0

    async def start(self, broker: TansuBroker) -> IntegrationService:
        environ = {
            "OCEAN__INTEGRATION__IDENTIFIER": IDENTIFIER,
            "OCEAN__EVENT_LISTENER__TYPE": "KAFKA",
            "OCEAN__EVENT_LISTENER__BROKERS": broker.bootstrap_servers,
            "OCEAN__EVENT_LISTENER__KAFKA_SECURITY_ENABLED": "false",
            "OCEAN__EVENT_LISTENER__TOPIC": self.topic,
            "OCEAN__EVENT_LISTENER__GROUP_ID": self.group,
            "OCEAN__EVENT_LISTENER__KAFKA_CONFIG": json.dumps(FAST),
        }
        app = load_integration(self.root, environ=environ)
        target = PortTarget(self.harbor.url, self.harbor.client_id, self.harbor.client_secret, local=True)
        runner = IntegrationRunner(app, target)
        await runner.prepare()
        service = IntegrationService(runner, on_report=self.reports.append)
        await service.start()
        self.services.append(service)
        return service

    async def stop(self, service: IntegrationService) -> None:
        self.services.remove(service)
        await service.stop()
        await service.runner.port.aclose()


@pytest.fixture
async def tiny(tmp_path: Path, harbor: Any) -> AsyncIterator[Tiny]:
    root = tmp_path / "tiny"
    files = {
        "pyproject.toml": '[project]\nname = "tiny"\nversion = "0.1.0"\n',
        "main.py": MAIN,
        ".port/spec.yaml": "configurations: []\n",
        ".port/resources/blueprints.json": json.dumps(
            [{"identifier": "repo", "title": "Repo", "schema": {}}]
        ),
        ".port/resources/port-app-config.yml": json.dumps(MAPPING),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(textwrap.dedent(text))
    integration = Tiny(root, harbor)
    yield integration
    integration.gate.unlink(missing_ok=True)
    for service in list(integration.services):
        await integration.stop(service)


Check = Callable[[], Any]


async def test_a_config_change_triggers_exactly_one_resync_and_the_rest_is_ignored(
    tansu: TansuBroker, tiny: Tiny
) -> None:
    tansu.create_topic(tiny.topic)
    messages = [
        config_change("someone-else"),
        config_change(state_only=True),  # only the resync state moved
        config_change(),  # ← the one
        {"diff": {"before": {"identifier": IDENTIFIER}, "after": None}},  # deletion
        {"action": "RESYNC", "context": {"integrationId": "someone-else"}},
        b"not json",
    ]
    await tiny.start(tansu)
    await eventually(lambda: len(tiny.reports) == 1, what="the start-up resync")

    produce(tansu.bootstrap_servers, tiny.topic, messages)

    await eventually(
        lambda: committed(tansu.bootstrap_servers, tiny.group, tiny.topic) == len(messages),
        what="every message handled and committed",
    )
    assert len(tiny.reports) == 2  # start-up + exactly one for the config change
    assert all(report.ok for report in tiny.reports)
    assert {entity["identifier"] for entity in tiny.harbor.entities("repo")} == {"repo-1"}


async def test_the_offset_is_committed_only_after_the_resync_finished(tansu: TansuBroker, tiny: Tiny) -> None:
    tansu.create_topic(tiny.topic)
    first = await tiny.start(tansu)
    await eventually(lambda: len(tiny.reports) == 1, what="the start-up resync")
    tiny.gate.touch()  # the next resync holds until the gate is removed

    produce(tansu.bootstrap_servers, tiny.topic, [config_change("someone-else"), config_change()])
    await eventually(lambda: tiny.runs() == 2, what="the resync the message asked for to start")
    await tiny.stop(first)  # in the middle of that resync

    # The reference commits before processing; here the message stays uncommitted.
    assert committed(tansu.bootstrap_servers, tiny.group, tiny.topic) == 1
    assert len(tiny.reports) == 1

    tiny.gate.unlink()
    await tiny.start(tansu)  # the message is delivered again and served this time
    await eventually(
        lambda: committed(tansu.bootstrap_servers, tiny.group, tiny.topic) == 2,
        what="the re-delivered message to be committed",
    )
    assert tiny.runs() == 4  # start-up, interrupted, start-up again, the re-delivered request
    assert len(tiny.reports) == 3


async def test_the_listener_resumes_after_the_broker_restarts(tiny: Tiny) -> None:
    with TansuBroker() as broker:
        broker.create_topic(tiny.topic)
        service = await tiny.start(broker)
        produce(broker.bootstrap_servers, tiny.topic, [config_change()])
        await eventually(lambda: len(tiny.reports) == 2, what="the resync before the restart")

        broker.restart()  # memory storage: a fresh broker, the topic and offsets are gone
        broker.create_topic(tiny.topic)
        produce(broker.bootstrap_servers, tiny.topic, [config_change()])

        await eventually(lambda: len(tiny.reports) == 3, what="the resync after the restart")
        await eventually(
            lambda: committed(broker.bootstrap_servers, tiny.group, tiny.topic) == 1,
            what="the commit on the new broker",
        )
        await tiny.stop(service)  # while its broker is still there to say goodbye to
