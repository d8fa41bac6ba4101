"""``ResyncTrigger.request_and_wait``: released only by a resync that started after the request."""

from __future__ import annotations

import asyncio

from ocean_runtime.errors import UserInputError
from ocean_runtime.events import ResyncTrigger, run_resyncs
from ocean_runtime.sync import ResyncReport, Status


class Gate:
    """A resync that runs until released; reports carry the run number."""

    def __init__(self) -> None:
        self.started: list[asyncio.Event] = []
        self.release: list[asyncio.Event] = []
        self.fail_run: int | None = None

    async def __call__(self) -> ResyncReport:
        run = len(self.started)
        self.started.append(asyncio.Event())
        self.release.append(asyncio.Event())
        self.started[run].set()
        await self.release[run].wait()
        if run == self.fail_run:
            raise UserInputError("the mapping in Port is broken")
        return ResyncReport(status=Status.COMPLETED, errors=[f"run {run}"])

    async def wait_started(self, run: int) -> None:
        while len(self.started) <= run:
            await asyncio.sleep(0.001)


async def test_a_request_during_a_run_waits_for_the_next_run() -> None:
    trigger, gate = ResyncTrigger(), Gate()
    worker = asyncio.create_task(run_resyncs(trigger, gate))
    first = asyncio.create_task(trigger.request_and_wait("start-up"))
    await gate.wait_started(0)
    second = asyncio.create_task(trigger.request_and_wait("kafka message"))
    third = asyncio.create_task(trigger.request_and_wait("another one"))
    await asyncio.sleep(0)

    gate.release[0].set()
    assert (await first).errors == ["run 0"]
    assert not second.done()  # run 0 started before it was asked for

    await gate.wait_started(1)
    gate.release[1].set()
    assert (await second).errors == (await third).errors == ["run 1"]  # coalesced into one run
    worker.cancel()
    assert len(gate.started) == 2


async def test_a_resync_that_raises_releases_its_waiters_with_a_failed_report() -> None:
    trigger, gate = ResyncTrigger(), Gate()
    gate.fail_run = 0
    worker = asyncio.create_task(run_resyncs(trigger, gate))
    waiting = asyncio.create_task(trigger.request_and_wait("kafka message"))
    await gate.wait_started(0)
    gate.release[0].set()

    report = await waiting
    worker.cancel()

    assert report.status == Status.FAILED
    assert "the mapping in Port is broken" in report.errors[0]


async def test_stopping_the_worker_cancels_the_waiters() -> None:
    trigger, gate = ResyncTrigger(), Gate()
    worker = asyncio.create_task(run_resyncs(trigger, gate))
    waiting = asyncio.create_task(trigger.request_and_wait("kafka message"))
    await gate.wait_started(0)

    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)

    assert (await asyncio.gather(waiting, return_exceptions=True))[0].__class__ is asyncio.CancelledError
