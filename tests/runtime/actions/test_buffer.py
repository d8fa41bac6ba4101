"""``RunBuffer``: per-key order, one run in flight per key, fairness, the per-action share."""

from __future__ import annotations

import asyncio

from ocean_runtime.actions.buffer import UNKEYED, BufferedRun, RunBuffer


def run(run_id: str, action: str = "deploy", partition: str = UNKEYED, claim: str = "c1") -> BufferedRun:
    return BufferedRun({"id": run_id, "claimId": claim}, run_id, action, partition)


async def taken(buffer: RunBuffer, count: int) -> list[str]:
    return [(await buffer.take()).run_id for _ in range(count)]


async def test_a_key_runs_one_at_a_time_in_claim_order() -> None:
    buffer = RunBuffer()
    for run_id in ("a1", "a2", "a3"):
        await buffer.put(run("r-" + run_id, partition="a"))
    first = await buffer.take()
    assert first.run_id == "r-a1"
    # a2 waits while a1 runs, even though a worker is free.
    assert await asyncio.wait_for(asyncio.shield(asyncio.sleep(0.01, "idle")), 1) == "idle"
    pending = asyncio.ensure_future(buffer.take())
    await asyncio.sleep(0.01)
    assert not pending.done()
    await buffer.done(first)
    assert (await pending).run_id == "r-a2"


async def test_sources_take_turns_so_one_key_cannot_starve_the_others() -> None:
    buffer = RunBuffer()
    for index in range(3):
        await buffer.put(run(f"u{index}"))
    await buffer.put(run("k1", partition="k"))
    order = await taken(buffer, 4)
    assert order.index("k1") < 3  # not behind every unkeyed run
    assert [r for r in order if r.startswith("u")] == ["u0", "u1", "u2"]


async def test_a_run_claimed_again_keeps_its_place_and_takes_the_new_claim() -> None:
    buffer = RunBuffer()
    assert await buffer.put(run("r1", claim="old"))
    assert not await buffer.put(run("r1", claim="new"))
    assert buffer.waiting == 1
    assert (await buffer.take()).raw["claimId"] == "new"


async def test_saturated_actions_are_named_for_exclusion() -> None:
    buffer = RunBuffer()
    for index in range(3):
        await buffer.put(run(f"d{index}", action="deploy"))
    await buffer.put(run("s0", action="scale"))
    assert buffer.saturated(3) == ["deploy"]
    assert buffer.saturated(1) == ["deploy", "scale"]
    await buffer.take()
    assert buffer.saturated(3) == []


async def test_room_and_shutdown_drain() -> None:
    buffer = RunBuffer()
    for index in range(4):
        await buffer.put(run(f"r{index}"))
    waiting = asyncio.ensure_future(buffer.wait_for_room(4))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await buffer.take()
    await asyncio.wait_for(waiting, 1)
    assert [r.run_id for r in buffer.drain_waiting()] == ["r1", "r2", "r3"]
    assert buffer.waiting == 0 and not buffer.holds("r1")
