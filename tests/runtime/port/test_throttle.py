"""One 429 holds every request of its route family for the pause Port asked for (ThrottleTransport)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from ocean_runtime.port import PortClient

from .conftest import PortDouble, SleepRecorder

START = 1_700_000_000.0


class HeldSleep:
    """A sleep that records its waits and returns only once ``release`` is set."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.release = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self.release.wait()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never became true")


async def test_a_request_started_during_the_pause_waits_for_it(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    sleep = HeldSleep()
    port.fail_next("GET", "/v1/organization", httpx.Response(429, headers={"Retry-After": "5"}))
    async with make_client(sleep=sleep, clock=lambda: START) as client:
        throttled = asyncio.create_task(client.get_organization())
        await until(lambda: sleep.waits == [5.0])  # the throttled request waits before its retry
        other = asyncio.create_task(client.get_integration())  # Port's "all other requests"
        await until(lambda: len(sleep.waits) == 2)
        # The other request is held before it reaches Port, for what is left of the pause.
        assert sleep.waits == [5.0, 5.0]
        assert port.calls("GET", "/v1/integration/my-jira") == []
        # A request of another family (blueprints) is not held: Port limits families apart.
        assert await client.get_blueprint("service") is None
        sleep.release.set()
        await asyncio.gather(throttled, other)
    assert len(port.calls("GET", "/v1/integration/my-jira")) == 1
    assert len(port.calls("GET", "/v1/organization")) == 2


async def test_the_throttled_request_waits_once_and_later_requests_not_at_all(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder
) -> None:
    port.fail_next("GET", "/v1/organization", httpx.Response(429, headers={"Retry-After": "3"}))
    async with make_client() as client:
        await client.get_organization()
        await client.get_blueprint("service")  # the pause is over (virtual time moved 3 s)
    assert sleeps.waits == [3.0]


async def test_a_429_without_retry_after_still_pauses_the_others(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    sleep = HeldSleep()
    port.fail_next("GET", "/v1/organization", httpx.Response(429))
    async with make_client(sleep=sleep, clock=lambda: START) as client:
        throttled = asyncio.create_task(client.get_organization())
        await until(lambda: len(sleep.waits) == 1)
        other = asyncio.create_task(client.get_integration())
        await until(lambda: len(sleep.waits) == 2)
        assert sleep.waits[1] == 1.0  # DEFAULT_PAUSE
        sleep.release.set()
        await asyncio.gather(throttled, other)
