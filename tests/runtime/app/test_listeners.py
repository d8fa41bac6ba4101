"""Resync triggers: one resync at a time, requests during a run coalesced, polling and schedule."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ocean_runtime.app.listeners import (
    ResyncTrigger,
    is_newer,
    poll_resync_requests,
    run_resyncs,
    schedule_resyncs,
)
from ocean_runtime.sync import ResyncReport, Status


class SlowResync:
    """A resync that takes until ``release`` is set, and counts concurrent runs."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.runs = 0
        self.running = 0
        self.most_at_once = 0

    async def __call__(self) -> ResyncReport:
        self.runs += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        await self.release.wait()
        self.running -= 1
        return ResyncReport(status=Status.COMPLETED)


async def test_requests_during_a_resync_collapse_into_one_follow_up() -> None:
    trigger, resync, reports = ResyncTrigger(), SlowResync(), []
    worker = asyncio.create_task(run_resyncs(trigger, resync, on_report=reports.append))
    trigger.request("start-up")
    await resync.started.wait()
    for reason in ("schedule", "a resync request from Port", "schedule"):
        trigger.request(reason)

    resync.release.set()
    while len(reports) < 2:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # room for a (wrong) third run
    worker.cancel()

    assert resync.runs == 2
    assert resync.most_at_once == 1


async def test_a_failing_resync_does_not_stop_the_worker() -> None:
    from ocean_runtime.errors import UserInputError

    trigger, calls = ResyncTrigger(), []

    async def resync() -> ResyncReport:
        calls.append(len(calls))
        if len(calls) == 1:
            raise UserInputError("bad mapping edited in Port")
        return ResyncReport(status=Status.COMPLETED)

    worker = asyncio.create_task(run_resyncs(trigger, resync))
    trigger.request("start-up")
    while not calls:
        await asyncio.sleep(0.01)
    trigger.request("a resync request from Port")
    while len(calls) < 2:
        await asyncio.sleep(0.01)
    worker.cancel()

    assert calls == [0, 1]


async def test_the_schedule_triggers_repeatedly() -> None:
    trigger = ResyncTrigger()
    task = asyncio.create_task(schedule_resyncs(trigger, interval_minutes=0.0005))

    first = await asyncio.wait_for(trigger.wait(), timeout=5)
    second = await asyncio.wait_for(trigger.wait(), timeout=5)
    task.cancel()

    assert first == second == ["the 0.0005-minute schedule"]


async def test_polling_triggers_only_for_newer_requests(harbor: Any, tmp_path: Any) -> None:
    from ocean_runtime.app import OceanApp, PortTarget
    from ocean_runtime.app.runner import open_port_client
    from ocean_runtime.config import load_settings

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "poller"\nversion = "0.1.0"\n')
    app = OceanApp(settings=load_settings(tmp_path, environ={}), directory=tmp_path)
    with harbor.client() as client:
        client.post("/v1/integration", json={"installationId": "my-poller-integration"}).raise_for_status()
        old = client.post("/v1/integration/my-poller-integration/resync-request").json()["request"]
    trigger = ResyncTrigger()
    async with open_port_client(app, PortTarget(harbor.url, "ocean", "ocean")) as port:
        poller = asyncio.create_task(
            poll_resync_requests(port, trigger, interval_seconds=0.05, initial=old["updatedAt"])
        )
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(trigger.wait(), timeout=0.5)  # the old request was already handled
        with harbor.client() as client:
            client.post("/v1/integration/my-poller-integration/resync-request").raise_for_status()
        reasons = await asyncio.wait_for(trigger.wait(), timeout=10)
        poller.cancel()

    assert reasons == ["a resync request from Port"]


@pytest.mark.parametrize(
    ("stamp", "than", "newer"),
    [
        ("2026-01-01T00:00:01Z", "2026-01-01T00:00:00.000Z", True),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", False),
        ("2025-12-31T23:00:00-02:00", "2026-01-01T00:00:00Z", True),
        ("2026-01-01T00:00:00Z", None, True),
    ],
)
def test_is_newer_compares_instants(stamp: str, than: str | None, newer: bool) -> None:
    assert is_newer(stamp, than) is newer
