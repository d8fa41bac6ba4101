"""The Port client's flow control: adaptive concurrency and per-family rate budgets."""

from __future__ import annotations

import asyncio

import pytest

from ocean_runtime.port.concurrency import WIDE_START, AdaptiveConcurrency
from ocean_runtime.port.rate_budget import RateBudget, route_family


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_slow_start_doubles_the_limit_each_round_trip_while_answers_stay_quick() -> None:
    limiter = AdaptiveConcurrency(initial=4, maximum=64, clock=Ticks())
    for expected in (8, 16, 32):
        sent = int(limiter.limit)
        for _ in range(sent):
            await limiter.acquire()
        for _ in range(sent):  # a full round trip: every slot in use when its request went out
            limiter.release()
            limiter.on_answer("bulk", 0.01, sent)  # a server near by (far away starts wide)
        assert limiter.limit == expected
    assert limiter.in_flight == 0


async def test_an_unused_limit_does_not_grow() -> None:
    limiter = AdaptiveConcurrency(initial=8, clock=Ticks())
    for _ in range(100):
        in_flight = await limiter.acquire()
        limiter.release()
        limiter.on_answer("bulk", 0.1, in_flight)  # one at a time: 1 < 8 / 2
    assert limiter.limit == 8


async def test_a_far_away_server_starts_the_limit_wide_a_near_one_does_not() -> None:
    far = AdaptiveConcurrency(initial=8, clock=Ticks())
    far.on_answer("token", 0.1, 1)  # 100 ms away, but one request at a time: no need for more
    assert far.limit == 8
    far.on_answer("bulk", 0.1, 6)  # sent with 6 in flight: the limit is in use
    assert far.limit == WIDE_START

    near = AdaptiveConcurrency(initial=8, clock=Ticks())
    near.on_answer("token", 0.002, 6)  # this machine answered in 2 ms ...
    near.on_answer("bulk", 0.3, 6)  # ... so a slow answer later is load, not distance
    assert near.limit == 10  # slow start as usual: one more per answer


async def test_a_limit_cut_before_starts_no_wider() -> None:
    clock = Ticks()
    limiter = AdaptiveConcurrency(initial=8, clock=clock)
    limiter.on_overload()  # slow start is over: growth is one per round trip from here
    limiter.on_answer("bulk", 0.1, 4)
    assert limiter.limit < 5


async def test_overload_halves_once_per_round_trip_and_then_grows_by_one_per_round_trip() -> None:
    clock = Ticks()
    limiter = AdaptiveConcurrency(initial=32, maximum=64, clock=clock)
    limiter.on_answer("bulk", 0.1, 32)  # the baseline round trip: 0.1 s
    limiter.on_overload()
    limiter.on_overload()  # the same burst of refusals: counted once
    assert limiter.limit == pytest.approx(16.5)
    clock.now += 0.2
    limiter.on_overload()
    assert limiter.limit == pytest.approx(8.25)
    for _ in range(8):  # one round trip's worth of answers adds about one slot
        limiter.on_answer("bulk", 0.1, 8)
    assert 9 <= limiter.limit < 9.5
    assert limiter.decreases == 2


async def test_queueing_shrinks_the_limit_but_not_below_the_latency_floor() -> None:
    clock = Ticks()
    limiter = AdaptiveConcurrency(initial=40, maximum=64, latency_floor=8, clock=clock)
    limiter.on_answer("bulk", 0.1, 40)
    for _ in range(60):
        clock.now += 1
        limiter.on_answer("bulk", 0.5, 40)  # five times the quickest: the server queues
    assert limiter.limit == 8
    limiter.on_overload()
    assert limiter.limit == 4  # overload may go below the floor
    # Round trips are compared per route: a slow route does not make a quick one look queued.
    limiter.on_answer("token", 0.01, 4)
    assert limiter.limit > 4


async def test_a_lower_limit_holds_new_requests_until_enough_finished() -> None:
    limiter = AdaptiveConcurrency(initial=4, clock=Ticks())
    for _ in range(4):
        await limiter.acquire()
    limiter.on_overload()  # 4 -> 2 while 4 are in flight
    waiting = asyncio.create_task(limiter.acquire())
    for in_flight in (3, 2):
        limiter.release()
        await asyncio.sleep(0)
        assert limiter.in_flight == in_flight and not waiting.done()
    limiter.release()  # 1 in flight: below the limit at last
    assert await asyncio.wait_for(waiting, 1) == 2


async def test_a_cancelled_waiter_gives_its_slot_to_the_next() -> None:
    limiter = AdaptiveConcurrency(initial=1, maximum=1, clock=Ticks())
    await limiter.acquire()
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    first.cancel()
    limiter.release()
    await asyncio.wait_for(second, 1)
    assert limiter.in_flight == 1 and first.cancelled()


@pytest.mark.parametrize(
    ("method", "path", "family"),
    [
        ("POST", "/v1/auth/access_token", "unauthenticated"),
        ("POST", "/v1/blueprints/svc/entities/bulk", "bulkUpsert"),
        ("POST", "/v1/entities/search", "search"),
        ("POST", "/v1/blueprints/svc/entities", "singleUpsert"),
        ("POST", "/v1/blueprints/svc/bulk/entities/delete", "entities"),
        ("POST", "/v1/blueprints/entities/datasource-entities", "entities"),
        ("PATCH", "/v1/blueprints/svc", "blueprints"),
        ("GET", "/v1/integration/x", "other"),
    ],
)
def test_route_families_are_ports(method: str, path: str, family: str) -> None:
    assert route_family(method, path) == family


class VirtualSleep:
    def __init__(self, clock: Ticks) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.now += seconds


def headers(limit: int, remaining: int, period: int = 10) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-period": str(period),
        "x-ratelimit-remaining": str(remaining),
    }


async def test_the_budget_spends_what_port_grants_then_paces_at_its_rate() -> None:
    clock = Ticks()
    sleep = VirtualSleep(clock)
    budget = RateBudget(clock=clock, sleep=sleep)
    await budget.take("bulkUpsert")  # nothing known yet: no wait
    budget.observe("bulkUpsert", headers(limit=20, remaining=3))  # 2 per second, 3 now
    for _ in range(3):
        await budget.take("bulkUpsert")
    assert sleep.waits == []
    for _ in range(4):
        await budget.take("bulkUpsert")
    assert sum(sleep.waits) == pytest.approx(4 * 0.5)  # one token per 0.5 s, each waiting in turn
    assert budget.waited_s == pytest.approx(2.0)
    assert budget.tokens("search") is None  # families are apart


async def test_port_counting_less_than_we_think_wins_a_429_empties_and_no_headers_forget() -> None:
    clock = Ticks()
    budget = RateBudget(clock=clock, sleep=VirtualSleep(clock))
    budget.observe("search", headers(limit=20, remaining=10))
    budget.observe("search", headers(limit=20, remaining=4))  # another client of the org spent some
    assert budget.tokens("search") == 4
    budget.observe("search", headers(limit=20, remaining=9))  # never more than we counted
    assert budget.tokens("search") == 4
    budget.exhausted("search")
    assert budget.tokens("search") == 0
    budget.observe("search", {})  # the limit was lifted
    assert not budget.known("search")
    await budget.take("search")
    assert budget.waited_s == 0
