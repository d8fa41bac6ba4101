"""``LocalLiveEventsBackend``: per-key order, concurrency across keys, bounds, redelivery, shutdown."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from ocean_runtime.webhooks import BackendUnavailableError, LocalLiveEventsBackend, WebhookEvent


def event(key: str, seq: int) -> WebhookEvent:
    return WebhookEvent(f"{key}-{seq}", "/hook", {"seq": seq}, {}, key, time.time())


class Recorder:
    """A ``process`` that records what it saw, in order, and how many ran at once."""

    def __init__(self) -> None:
        self.applied: dict[str, list[int]] = {}
        self.running: dict[str, int] = {}
        self.most_per_key = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, ev: WebhookEvent) -> None:
        self.running[ev.group_key] = self.running.get(ev.group_key, 0) + 1
        self.in_flight += 1
        self.most_per_key = max(self.most_per_key, self.running[ev.group_key])
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(random.random() / 1000)
        self.applied.setdefault(ev.group_key, []).append(ev.payload["seq"])
        self.running[ev.group_key] -= 1
        self.in_flight -= 1


async def drained(backend: LocalLiveEventsBackend) -> None:
    while backend.depth():
        await asyncio.sleep(0.005)


async def test_events_of_a_key_run_in_order_one_at_a_time_and_keys_run_concurrently() -> None:
    backend, recorder = LocalLiveEventsBackend(concurrency=8), Recorder()
    await backend.start(recorder)
    for seq in range(50):
        for key in (f"k{i}" for i in range(20)):
            await backend.submit(event(key, seq))
    await drained(backend)

    assert recorder.applied == {f"k{i}": list(range(50)) for i in range(20)}
    assert recorder.most_per_key == 1
    assert 1 < recorder.most_in_flight <= 8


async def test_a_full_backend_refuses_with_a_retry_after() -> None:
    backend = LocalLiveEventsBackend(max_pending=2)  # not started: nothing drains
    await backend.submit(event("a", 1))
    await backend.submit(event("b", 1))

    with pytest.raises(BackendUnavailableError) as refused:
        await backend.submit(event("c", 1))

    assert refused.value.retry_after >= 1
    recorder = Recorder()
    await backend.start(recorder)  # events accepted before start are delivered
    await drained(backend)
    assert recorder.applied == {"a": [1], "b": [1]}


async def test_an_event_whose_processing_raises_is_redelivered_and_holds_its_key() -> None:
    attempts: list[str] = []
    gave_up: list[tuple[str, str]] = []

    async def flaky(ev: WebhookEvent) -> None:
        attempts.append(ev.id)
        if ev.id == "a-1" and attempts.count("a-1") < 3:
            raise ConnectionError("Port is down")

    async def record(ev: WebhookEvent, reason: str) -> None:
        gave_up.append((ev.id, reason))

    backend = LocalLiveEventsBackend(redelivery_delays=(0.01, 0.01, 0.01), on_gave_up=record)
    await backend.start(flaky)
    await backend.submit(event("a", 1))
    await backend.submit(event("a", 2))
    await drained(backend)

    assert attempts == ["a-1", "a-1", "a-1", "a-2"]  # a-2 waited for a-1
    assert gave_up == []


async def test_an_event_that_keeps_failing_is_given_up_and_reported() -> None:
    gave_up: list[tuple[str, str]] = []

    async def broken(ev: WebhookEvent) -> None:
        raise ConnectionError("Port is down")

    async def record(ev: WebhookEvent, reason: str) -> None:
        gave_up.append((ev.id, reason))

    backend = LocalLiveEventsBackend(redelivery_delays=(0.01,), on_gave_up=record)
    await backend.start(broken)
    await backend.submit(event("a", 1))
    await drained(backend)

    assert gave_up == [("a-1", "processing failed 2 times: Port is down")]


async def test_stop_finishes_queued_events_and_refuses_new_ones() -> None:
    backend, recorder = LocalLiveEventsBackend(), Recorder()
    await backend.start(recorder)
    for seq in range(20):
        await backend.submit(event("a", seq))

    await backend.stop(time.monotonic() + 30)

    assert recorder.applied == {"a": list(range(20))}
    with pytest.raises(BackendUnavailableError, match="shutting down"):
        await backend.submit(event("a", 99))


async def test_stop_reports_what_the_deadline_left_unprocessed() -> None:
    gave_up: list[str] = []
    release = asyncio.Event()

    async def stuck(ev: WebhookEvent) -> None:
        await release.wait()

    async def record(ev: WebhookEvent, reason: str) -> None:
        gave_up.append(f"{ev.id}: {reason}")

    backend = LocalLiveEventsBackend(on_gave_up=record)
    await backend.start(stuck)
    await backend.submit(event("a", 1))
    await backend.submit(event("a", 2))

    await backend.stop(time.monotonic() + 0.05)

    assert gave_up == [
        "a-1: not processed before the shutdown deadline",
        "a-2: not processed before the shutdown deadline",
    ]
    assert backend.depth() == 0
