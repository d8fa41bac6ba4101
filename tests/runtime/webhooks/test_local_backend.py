"""``LocalLiveEventsBackend``: per-key order, concurrency across keys, runs, bounds, redelivery,
shutdown, and the journal that makes an accepted event survive the process."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest

from ocean_runtime.webhooks import BackendUnavailableError, LocalLiveEventsBackend, WebhookEvent
from ocean_runtime.webhooks.journal import EventJournal


def event(key: str, seq: int) -> WebhookEvent:
    return WebhookEvent(f"{key}-{seq}", "/hook", {"seq": seq}, {}, key, time.time())


class Recorder:
    """A ``process`` that records what it saw, in order, and how many runs ran at once."""

    def __init__(self) -> None:
        self.applied: dict[str, list[int]] = {}
        self.running: dict[str, int] = {}
        self.most_per_key = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.longest_run = 0

    async def __call__(self, run: list[WebhookEvent]) -> None:
        key = run[0].group_key
        assert all(ev.group_key == key for ev in run)
        self.longest_run = max(self.longest_run, len(run))
        self.running[key] = self.running.get(key, 0) + 1
        self.in_flight += 1
        self.most_per_key = max(self.most_per_key, self.running[key])
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(random.random() / 1000)
        self.applied.setdefault(key, []).extend(ev.payload["seq"] for ev in run)
        self.running[key] -= 1
        self.in_flight -= 1


async def drained(backend: LocalLiveEventsBackend) -> None:
    while backend.depth():
        await asyncio.sleep(0.005)


async def test_events_of_a_key_run_in_order_one_run_at_a_time_and_keys_run_concurrently() -> None:
    backend, recorder = LocalLiveEventsBackend(max_run=7), Recorder()
    for seq in range(10):  # waiting before delivery starts: they go in runs
        await backend.submit(event("k0", seq))
    await backend.start(recorder)
    for seq in range(10, 50):
        for key in (f"k{i}" for i in range(20)):
            await backend.submit(event(key, seq))
            await asyncio.sleep(0)
    await drained(backend)

    assert recorder.applied == {"k0": list(range(50)), **{f"k{i}": list(range(10, 50)) for i in range(1, 20)}}
    assert recorder.most_per_key == 1
    assert recorder.most_in_flight > 1
    assert 1 < recorder.longest_run <= 7  # the events waiting at a key's head go together


async def test_events_arriving_while_ready_waits_join_the_run_it_releases() -> None:
    # ``ready`` stands for the live mapping's fetch (a round trip to Port): a key's first event
    # must not go alone while its next ones arrive, each costing another round trip after it.
    backend, recorder = LocalLiveEventsBackend(), Recorder()
    fetched = asyncio.Event()
    asked = 0

    async def ready() -> None:
        nonlocal asked
        asked += 1
        await fetched.wait()

    await backend.start(recorder, ready=ready)
    for seq in range(5):
        await backend.submit(event("k", seq))
        await asyncio.sleep(0.001)  # the drain of "k" started with the first and waits on ready
    fetched.set()
    await drained(backend)

    assert recorder.applied == {"k": [0, 1, 2, 3, 4]}
    assert recorder.longest_run == 5  # one run, formed once ready returned
    assert asked == 1


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

    async def flaky(run: list[WebhookEvent]) -> None:
        ev = run[0]
        attempts.append(ev.id)
        if ev.id == "a-1" and attempts.count("a-1") < 3:
            raise ConnectionError("Port is down")

    async def record(ev: WebhookEvent, reason: str) -> None:
        gave_up.append((ev.id, reason))

    backend = LocalLiveEventsBackend(max_run=1, redelivery_delays=(0.01, 0.01, 0.01), on_gave_up=record)
    await backend.start(flaky)
    await backend.submit(event("a", 1))
    await backend.submit(event("a", 2))
    await drained(backend)

    assert attempts == ["a-1", "a-1", "a-1", "a-2"]  # a-2 waited for a-1
    assert gave_up == []


async def test_an_event_that_keeps_failing_is_given_up_and_reported() -> None:
    gave_up: list[tuple[str, str]] = []

    async def broken(run: list[WebhookEvent]) -> None:
        raise ConnectionError("a bug")

    async def record(ev: WebhookEvent, reason: str) -> None:
        gave_up.append((ev.id, reason))

    backend = LocalLiveEventsBackend(redelivery_delays=(0.01,), on_gave_up=record)
    await backend.start(broken)
    await backend.submit(event("a", 1))
    await drained(backend)

    assert gave_up == [("a-1", "processing failed 2 times: a bug")]


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

    async def stuck(run: list[WebhookEvent]) -> None:
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


async def test_an_outage_is_redelivered_until_it_ends_never_given_up() -> None:
    from ocean_runtime.errors import PortUnreachableError

    attempts = 0
    gave_up: list[str] = []

    async def port_down_for_a_while(run: list[WebhookEvent]) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            raise PortUnreachableError("Port is down")

    async def record(ev: WebhookEvent, reason: str) -> None:
        gave_up.append(ev.id)

    backend = LocalLiveEventsBackend(redelivery_delays=(), outage_delays=(0.01,), on_gave_up=record)
    await backend.start(port_down_for_a_while)
    await backend.submit(event("a", 1))
    deadline = time.monotonic() + 30
    while backend.depth() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)

    assert attempts == 4 and gave_up == [] and backend.depth() == 0


# -- the journal ------------------------------------------------------------------------------


async def test_events_left_at_shutdown_stay_on_disk_and_run_first_at_the_next_start(tmp_path: Path) -> None:
    journal = tmp_path / ".ocean" / "live-events.db"
    release = asyncio.Event()

    async def stuck(run: list[WebhookEvent]) -> None:
        await release.wait()

    first = LocalLiveEventsBackend(journal=EventJournal(journal))
    await first.start(stuck)
    for seq in range(30):
        for key in ("a", "b", "c"):
            await first.submit(event(key, seq))
    await first.stop(time.monotonic() + 0.05)  # SIGTERM with a short deadline: nothing finished

    recorder = Recorder()
    second = LocalLiveEventsBackend(journal=EventJournal(journal))
    await second.start(recorder)
    await second.submit(event("a", 30))  # a new event waits behind the replayed ones of its key
    await drained(second)
    await second.stop(time.monotonic() + 5)

    assert recorder.applied == {"a": list(range(31)), "b": list(range(30)), "c": list(range(30))}
    third = EventJournal(journal)
    assert third.open() == []  # everything done is gone from the file
    await third.close()


async def test_an_accepted_event_is_on_disk_before_submit_returns(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    backend = LocalLiveEventsBackend(journal=EventJournal(path))  # never started: nothing drains
    sent = [event("k", seq) for seq in range(5)]
    await asyncio.gather(*(backend.submit(ev) for ev in sent))  # concurrent: one group commit

    # Another reader of the file (as a restarted process would be) sees every one, in order.
    reader = EventJournal(path)
    left = await asyncio.to_thread(reader.open)
    await reader.close()
    assert [ev.id for ev in left] == [ev.id for ev in sent]
    assert left[0].payload == {"seq": 0} and left[0].group_key == "k"


async def test_a_journal_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    from ocean_runtime.errors import UserInputError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    backend = LocalLiveEventsBackend(journal=EventJournal(blocker / "live-events.db"))

    with pytest.raises(UserInputError, match="OCEAN__LIVE_EVENTS__JOURNAL_PATH"):
        await backend.start(Recorder())
