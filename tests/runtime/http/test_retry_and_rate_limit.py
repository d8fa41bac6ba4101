"""The toolkit client's retry and rate-limit transports, through ``client()`` and a FakeAPI."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ocean_runtime.http import RateLimit, RetryPolicy, client, use_http
from ocean_runtime.testing import FakeAPI, FakeClock
from ocean_runtime.testing.clock import START

BASE = "https://api.example.com"


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI(BASE)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def get(api: FakeAPI, clock: FakeClock, path: str = "/items", **options: object) -> httpx.Response:
    with use_http(transport=api.transport, clock=clock):
        async with client(BASE, **options) as http:  # type: ignore[arg-type]
            return await http.get(path)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 408])
async def test_throttling_and_server_errors_are_retried(api: FakeAPI, clock: FakeClock, status: int) -> None:
    api.get("/items", responses=[httpx.Response(status), httpx.Response(status), {"ok": True}])

    response = await get(api, clock)

    assert response.json() == {"ok": True}
    assert len(api.requests) == 3
    assert len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0]


async def test_retry_after_and_rate_limit_reset_are_honoured(api: FakeAPI, clock: FakeClock) -> None:
    api.get(
        "/items",
        responses=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503, headers={"X-RateLimit-Reset": str(int(START) + 20)}),
            {"ok": True},
        ],
    )

    await get(api, clock, rate_limit=None)

    assert clock.sleeps == [7.0, pytest.approx(13.0)]  # the reset epoch is 20 s after the start


async def test_github_style_exhausted_budget_403_is_retried_after_the_reset(
    api: FakeAPI, clock: FakeClock
) -> None:
    spent = httpx.Response(
        403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(START) + 30)}
    )
    api.get("/items", responses=[spent, {"ok": True}])

    response = await get(api, clock, rate_limit=None)

    assert response.status_code == 200
    assert clock.sleeps == [30.0]


async def test_a_plain_403_is_not_retried(api: FakeAPI, clock: FakeClock) -> None:
    api.get("/items", status=403, json={"message": "forbidden"})
    response = await get(api, clock)
    assert response.status_code == 403 and len(api.requests) == 1


async def test_post_is_retried_only_when_opted_in(api: FakeAPI, clock: FakeClock) -> None:
    api.post("/search", responses=[httpx.Response(503), {"ok": True}])
    with use_http(transport=api.transport, clock=clock):
        async with client(BASE) as http:
            assert (await http.post("/search", json={})).status_code == 503
        async with client(BASE) as http:
            marked = await http.post("/search", json={}, extensions={"retryable": True})
        async with client(BASE, retry=RetryPolicy(methods=frozenset({"GET", "POST"}))) as http:
            by_policy = await http.post("/search", json={})
    assert marked.status_code == 200 and by_policy.status_code == 200


async def test_network_errors_are_retried_then_raised(api: FakeAPI, clock: FakeClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    api.get("/items", handler=refuse)
    with pytest.raises(httpx.ConnectError):
        await get(api, clock, retry=RetryPolicy(max_attempts=3))
    assert len(api.requests) == 3 and len(clock.sleeps) == 2


async def test_retry_false_sends_once(api: FakeAPI, clock: FakeClock) -> None:
    api.get("/items", status=503)
    response = await get(api, clock, retry=False)
    assert response.status_code == 503 and len(api.requests) == 1


async def test_token_bucket_spaces_requests_after_the_burst(api: FakeAPI, clock: FakeClock) -> None:
    api.get("/items", json=[])
    with use_http(transport=api.transport, clock=clock):
        async with client(BASE, rate_limit=RateLimit(requests=2, per=1.0)) as http:
            for _ in range(5):
                await http.get("/items")

    # Two in the burst, then one every half second.
    assert clock.sleeps == pytest.approx([0.5, 0.5, 0.5])
    assert len(api.requests) == 5


async def test_concurrency_is_bounded(api: FakeAPI, clock: FakeClock) -> None:
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, json=[])

    class AsyncHandler(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await slow(request)

    with use_http(transport=AsyncHandler(), clock=clock):
        async with client(BASE, rate_limit=RateLimit(concurrency=3)) as http:
            tasks = [asyncio.create_task(http.get("/items")) for _ in range(10)]
            for _ in range(20):
                await asyncio.sleep(0)
            assert peak == 3
            release.set()
            await asyncio.gather(*tasks)
    assert peak == 3


async def test_a_spent_budget_pauses_every_request_until_the_reset(api: FakeAPI, clock: FakeClock) -> None:
    budget = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(START) + 60)}
    api.get("/first", json={"n": 1}, headers=budget)
    api.get("/second", json={"n": 2}, headers={"X-RateLimit-Remaining": "4999"})
    with use_http(transport=api.transport, clock=clock):
        async with client(BASE) as http:
            await http.get("/first")
            assert clock.sleeps == []
            await http.get("/second")
            await http.get("/second")

    assert clock.sleeps == [60.0]  # the second request waited for the reset; the third did not


def test_rate_limit_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="requests"):
        RateLimit(requests=0)
    with pytest.raises(ValueError, match="per"):
        RateLimit(requests=1, per=0)
    with pytest.raises(ValueError, match="concurrency"):
        RateLimit(concurrency=0)
