"""Round trips before the first write: what a Port ~100 ms away makes every sync wait for.

The harbor answers each request 50 ms late; a transport records when each request went out and
came back. Requests that go out while others are still in flight share a round; a request sent
after every earlier one came back starts a new one. Counting rounds, not seconds, keeps the test
independent of the machine's speed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ocean_harbor.latency import Latency
from ocean_harbor.testing import RunningHarbor
from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
from ocean_runtime.http.transports.http11 import Http11Transport
from ocean_runtime.sync import ResyncReport, Status

BULK = "/entities/bulk"


@dataclass(frozen=True)
class Call:
    started: float
    ended: float
    method: str
    path: str
    body: Any


class Timeline(httpx.AsyncBaseTransport):
    """The network transport, remembering when each request went out and came back."""

    def __init__(self) -> None:
        self.inner = Http11Transport()
        self.calls: list[Call] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = await self.inner.handle_async_request(request)
        body = json.loads(request.content) if request.content else None
        self.calls.append(Call(started, time.monotonic(), request.method, request.url.path, body))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def rounds_before(self, path_end: str) -> list[list[str]]:
        """The rounds the first request whose path ends with ``path_end`` waited for.

        A round in flight when that request went out (e.g. raw examples sent alongside the
        first write) was not waited for, so it is not counted.
        """
        rounds: list[list[str]] = []
        frontier = float("-inf")
        for call in sorted(self.calls, key=lambda call: call.started):
            if call.path.endswith(path_end):
                return rounds if call.started >= frontier else rounds[:-1]
            if call.started >= frontier:
                rounds.append([])
            rounds[-1].append(f"{call.method} {call.path}")
            frontier = max(frontier, call.ended)
        raise AssertionError(f"no request to …{path_end}")

    def paths(self, path_end: str) -> list[Call]:
        return [call for call in self.calls if call.path.endswith(path_end)]


async def sync_once(tiny: Any, harbor: RunningHarbor) -> tuple[ResyncReport, Timeline]:
    """``ocean sail --once`` as the CLI runs it (dock, then resync), recording the requests."""
    timeline = Timeline()
    environ = {"OCEAN__INTEGRATION__IDENTIFIER": "far-away"}
    app = load_integration(tiny.root, environ=environ, overrides={"event_listener": {"type": "ONCE"}})
    target = PortTarget(harbor.url, harbor.client_id, harbor.client_secret, local=True)
    async with IntegrationRunner(app, target, transport=timeline) as runner:
        await runner.prepare()
        report = await runner.resync()
    return report, timeline


async def test_a_first_sync_writes_after_six_rounds_and_asks_nothing_twice(
    tmp_path: Path, make_tiny: Any
) -> None:
    tiny = make_tiny("rounds")
    tiny.set_mapping([tiny.TEAM, tiny.MEMBER, tiny.SERVICE])
    with RunningHarbor(tmp_path / "far.db", latency=Latency(0.05)) as far:
        first, timeline = await sync_once(tiny, far)
        assert first.status == Status.COMPLETED, first.reasons()
        rounds = timeline.rounds_before(BULK)
        # token · integration + blueprints read · integration + blueprints created · relations
        # · integration marked initialised · resync running + "owns anything yet?" — then writes.
        assert len(rounds) <= 6, "\n".join(map(str, rounds))
        assert timeline.paths("/v1/entities/search") == []  # a first sync has nothing to compare with
        [probe] = timeline.paths("/datasource-entities")  # nor anything to reconcile
        assert probe.body["limit"] == 1 and "before" in probe.body
        reads = [call for call in timeline.calls if call.method == "GET"]
        assert sorted(call.path for call in reads) == sorted(
            ["/v1/integration/far-away"] + [f"/v1/blueprints/{b}" for b in ("team", "member", "service")]
        )  # read once, while docking; the resync asks for none of them again
        assert first.reconcile.status == Status.COMPLETED and first.reconcile.owned == 0

        tiny.set_data(service=tiny.services(count=3))  # two services gone at the source
        second, timeline = await sync_once(tiny, far)
    assert second.status == Status.COMPLETED, second.reasons()
    # It owns entities now: writes are compared with Port's copies, and stale ones are deleted.
    assert timeline.paths("/v1/entities/search") != []
    assert sum(kind.unchanged for kind in second.kinds) > 0
    assert second.reconcile.deleted == 2 and second.reconcile.owned > 0


async def test_the_first_kind_is_fetched_and_mapped_while_the_run_opens(
    tmp_path: Path, make_tiny: Any
) -> None:
    tiny = make_tiny("overlap")
    tiny.set_mapping([tiny.TEAM, tiny.MEMBER, tiny.SERVICE])
    with RunningHarbor(tmp_path / "far.db", latency=Latency(0.05)) as far:
        report, timeline = await sync_once(tiny, far)
    assert report.status == Status.COMPLETED, report.reasons()
    [opening] = [call for call in timeline.paths("/resync-state") if call.body["status"] == "running"]
    first_examples = min(call.started for call in timeline.paths("/examples"))
    # The raw examples go out when the first kind's first batch reached the mapper: the handler
    # ran while Port was still answering the "running" state, not after it.
    assert first_examples < opening.ended
    # Its writes did wait for the answer (whether to compare with Port depends on it).
    assert min(call.started for call in timeline.paths(BULK)) >= opening.ended
