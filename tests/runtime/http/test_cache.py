"""``cache_per_resync``: one call per key within a resync, a fresh start on the next one."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from ocean_runtime import PortAppConfig
from ocean_runtime.context import EventScope, event_scope
from ocean_runtime.http import cache_per_resync, clear_resync_cache

calls: list[str] = []


@cache_per_resync
async def members(team: str, *, detail: bool = False) -> list[str]:
    calls.append(team)
    await asyncio.sleep(0)
    return [f"{team}-member"]


@cache_per_resync
async def projects() -> AsyncIterator[list[int]]:
    calls.append("projects")
    yield [1, 2]
    yield [3]


@cache_per_resync
async def flaky(key: str) -> str:
    calls.append(key)
    if calls.count(key) == 1:
        raise RuntimeError("first call fails")
    return "fine"


def resync_scope() -> EventScope:
    return EventScope("resync", PortAppConfig())


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()


async def test_one_call_per_key_within_a_resync_even_when_concurrent() -> None:
    with event_scope(resync_scope()):
        results = await asyncio.gather(members("a"), members("a"), members("b"), members("a", detail=True))
        again = await members("a")

    assert results[0] == results[1] == again == ["a-member"]
    assert sorted(calls) == ["a", "a", "b"]  # ("a"), ("b") and ("a", detail=True)


async def test_the_next_resync_starts_empty() -> None:
    for _ in range(2):
        with event_scope(resync_scope()):
            await members("a")
            await members("a")
    assert calls == ["a", "a"]


async def test_concurrent_runs_keep_their_own_values_and_evict_none() -> None:
    # Three runs at once (three apps, or live events beside a resync): one call each, however
    # they interleave — a shared cache keeping two runs made this 6 calls.
    async def run() -> None:
        scope = resync_scope()
        for _ in range(3):
            with event_scope(dataclasses.replace(scope, resource_config=None)):  # a resource's scope
                await members("a")
            await asyncio.sleep(0)

    await asyncio.gather(run(), run(), run())
    assert calls == ["a", "a", "a"]


async def test_clearing_drops_only_the_current_runs_values() -> None:
    other = resync_scope()
    with event_scope(other):
        await members("a")
    with event_scope(resync_scope()):
        await members("a")
        clear_resync_cache()
        await members("a")
    with event_scope(other):
        await members("a")
    assert calls == ["a", "a", "a"]


async def test_generators_are_replayed_only_when_read_to_the_end() -> None:
    with event_scope(resync_scope()):
        async for _ in projects():
            break  # abandoned: nothing stored
        first = [batch async for batch in projects()]
        second = [batch async for batch in projects()]

    assert first == second == [[1, 2], [3]]
    assert calls == ["projects", "projects"]


async def test_failures_are_not_cached() -> None:
    with event_scope(resync_scope()):
        with pytest.raises(RuntimeError):
            await flaky("k")
        assert await flaky("k") == "fine"


async def test_outside_a_resync_nothing_is_cached() -> None:
    await members("a")
    await members("a")
    assert calls == ["a", "a"]


def test_only_async_functions_can_be_cached() -> None:
    with pytest.raises(TypeError, match="async function"):
        cache_per_resync(lambda: 1)
